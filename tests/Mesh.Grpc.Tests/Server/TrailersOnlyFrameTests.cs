using System.Text;
using Mesh.Grpc.Tests.Server.Support;
using Xunit;
using M = Mesh.Grpc.Tests.Server.Support.TestServiceBase;
using H2 = Mesh.Grpc.Tests.Server.Support.RawHttp2Connection;

namespace Mesh.Grpc.Tests.Server;

/// <summary>
/// At the frame level: an immediate error is one HEADERS frame with END_STREAM (Trailers-Only in
/// PROTOCOL-HTTP2.md) — some peers treat anything else (e.g. an empty DATA frame before trailers) differently.
/// </summary>
public sealed class TrailersOnlyFrameTests : IAsyncLifetime
{
    private GrpcTestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await GrpcTestServer.StartAsync();
    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_immediate_error_is_a_single_headers_frame_with_end_stream()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = await H2.ConnectAsync(_server.Address, ct);

        await connection.SendGrpcRequestAsync(1, M.FailMethod.FullName, RawGrpc.Frame("5|not found"), ct);
        var frames = await connection.ReadStreamAsync(1, ct);

        var frame = Assert.Single(frames);
        Assert.Equal(H2.Headers, frame.Type);
        Assert.Equal(H2.EndStream | H2.EndHeaders, frame.Flags & (H2.EndStream | H2.EndHeaders));
        Assert.Contains("grpc-status", Encoding.ASCII.GetString(frame.Payload)); // Kestrel does not Huffman-code
    }

    [Fact]
    public async Task An_unknown_method_is_a_single_headers_frame_with_end_stream()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = await H2.ConnectAsync(_server.Address, ct);

        await connection.SendGrpcRequestAsync(1, "/mesh.nope.v1.Nope/Get", RawGrpc.Frame("x"), ct);
        var frames = await connection.ReadStreamAsync(1, ct);

        var frame = Assert.Single(frames);
        Assert.Equal(H2.Headers, frame.Type);
        Assert.Equal(H2.EndStream, frame.Flags & H2.EndStream);
    }

    [Fact]
    public async Task A_successful_call_is_headers_then_data_then_trailers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = await H2.ConnectAsync(_server.Address, ct);

        await connection.SendGrpcRequestAsync(1, M.EchoMethod.FullName, RawGrpc.Frame("hi"), ct);
        var frames = await connection.ReadStreamAsync(1, ct);

        Assert.Equal(H2.Headers, frames[0].Type);
        Assert.Equal(0, frames[0].Flags & H2.EndStream);
        Assert.Contains(frames, f => f.Type == H2.Data && f.Payload.Length > 0);
        Assert.Equal(H2.Headers, frames[^1].Type);
        Assert.Equal(H2.EndStream, frames[^1].Flags & H2.EndStream);
        Assert.Contains("grpc-status", Encoding.ASCII.GetString(frames[^1].Payload));
    }
}
