using System.IO.Compression;
using System.Text;
using Mesh.Grpc.Tests.Server.Support;
using Xunit;
using M = Mesh.Grpc.Tests.Server.Support.TestServiceBase;

namespace Mesh.Grpc.Tests.Server;

/// <summary>grpc-encoding / grpc-accept-encoding (compression.md) in both directions.</summary>
public sealed class CompressionTests : IAsyncLifetime
{
    private GrpcTestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await GrpcTestServer.StartAsync(o => o.ResponseCompressionAlgorithm = "gzip");
    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Gzip_requests_are_decompressed_and_responses_compressed_when_the_client_accepts_gzip()
    {
        var payload = Encoding.UTF8.GetBytes(new string('z', 2000));
        var reply = await RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame(RawGrpc.Gzip(payload), compressed: true),
            ("grpc-encoding", "gzip"), ("grpc-accept-encoding", "identity,gzip"));

        Assert.Equal(0, reply.Status);
        Assert.Equal("gzip", reply.Headers["grpc-encoding"]);
        var message = Assert.Single(reply.Messages);
        Assert.True(message.Compressed);
        Assert.True(message.Payload.Length < payload.Length);
        Assert.Equal(payload, RawGrpc.Gunzip(message.Payload));
    }

    [Fact]
    public async Task Responses_are_not_compressed_for_a_client_that_does_not_accept_the_algorithm()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame("plain"), ("grpc-accept-encoding", "identity,deflate"));

        Assert.Equal(0, reply.Status);
        Assert.False(reply.Headers.ContainsKey("grpc-encoding"));
        Assert.False(reply.Messages.Single().Compressed);
        Assert.Equal(["plain"], reply.Texts);
    }

    [Fact]
    public async Task A_message_written_with_NoCompress_is_sent_plain_in_a_compressed_call()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.CountMethod.FullName, RawGrpc.Frame("3"),
            ("grpc-accept-encoding", "gzip"), ("x-no-compress-second", "1"));

        Assert.Equal(0, reply.Status);
        Assert.Equal([true, false, true], reply.Messages.Select(m => m.Compressed));
        Assert.Equal(["0", "1", "2"], reply.Texts);
    }

    [Fact]
    public async Task Deflate_requests_are_decompressed()
    {
        using var buffer = new MemoryStream();
        using (var zlib = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write("deflated"u8);

        var reply = await RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame(buffer.ToArray(), compressed: true),
            ("grpc-encoding", "deflate"));

        Assert.Equal(0, reply.Status);
        Assert.Equal(["deflated"], reply.Texts);
    }

    [Fact]
    public async Task An_uncompressed_message_in_a_gzip_call_is_accepted()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame("flag 0"), ("grpc-encoding", "gzip"));

        Assert.Equal(["flag 0"], reply.Texts);
    }

    [Fact]
    public async Task An_unsupported_encoding_is_unimplemented_and_lists_the_supported_ones()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame(Encoding.UTF8.GetBytes("x"), compressed: true), ("grpc-encoding", "snappy"));

        Assert.Equal((int)StatusCode.Unimplemented, reply.Status);
        Assert.True(reply.IsTrailersOnly);
        Assert.Equal("identity,gzip,deflate", reply.Headers["grpc-accept-encoding"]);
    }
}
