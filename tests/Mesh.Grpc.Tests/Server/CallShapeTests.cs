using System.Buffers.Binary;
using System.Text;
using Mesh.Grpc.Tests.Server.Support;
using Xunit;
using M = Mesh.Grpc.Tests.Server.Support.TestServiceBase;

namespace Mesh.Grpc.Tests.Server;

/// <summary>The four call kinds end to end on a real h2c Kestrel, checked at the wire level.</summary>
public sealed class CallShapeTests : IAsyncLifetime
{
    private GrpcTestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await GrpcTestServer.StartAsync();
    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Unary_success_has_headers_one_message_and_status_in_trailers()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame("hello"));

        Assert.Equal(System.Net.HttpStatusCode.OK, reply.HttpStatus);
        Assert.Equal("application/grpc", reply.Headers["content-type"]);
        Assert.Equal("identity,gzip,deflate", reply.Headers["grpc-accept-encoding"]);
        Assert.False(reply.Headers.ContainsKey("grpc-status"));
        Assert.Equal("0", reply.Trailers["grpc-status"]);
        Assert.False(reply.Trailers.ContainsKey("grpc-message"));
        Assert.Equal(["hello"], reply.Texts);
        Assert.False(reply.Messages[0].Compressed);
    }

    [Fact]
    public async Task Context_exposes_method_peer_and_http_context()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.MetadataMethod.FullName, RawGrpc.Frame("who"));

        Assert.Equal(["who|/mesh.test.v1.TestService/Metadata|True|HTTP/2|no-deadline"], reply.Texts);
    }

    [Fact]
    public async Task A_handler_setting_a_non_ok_status_ends_with_it_and_sends_no_message()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.MetadataMethod.FullName, RawGrpc.Frame("status-only"), ("x-kept", "yes"));

        Assert.Equal((int)StatusCode.NotFound, reply.Status);
        Assert.Equal("nothing here", reply.Message);
        Assert.True(reply.IsTrailersOnly);
        Assert.Equal("yes", reply.Headers["trailer-x-kept"]);
    }

    [Fact]
    public async Task Server_streaming_sends_every_message_then_ok()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.CountMethod.FullName, RawGrpc.Frame("5"));

        Assert.Equal(0, reply.Status);
        Assert.Equal(["0", "1", "2", "3", "4"], reply.Texts);
    }

    [Fact]
    public async Task Server_streaming_with_no_messages_is_trailers_only_ok()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.CountMethod.FullName, RawGrpc.Frame("0"));

        Assert.Equal(0, reply.Status);
        Assert.True(reply.IsTrailersOnly);
    }

    [Fact]
    public async Task Client_streaming_reads_all_requests()
    {
        var reply = await RawGrpc.SendAsync(_server.Client, RawGrpc.Request(M.CollectMethod.FullName,
            new ChunkedContent(RawGrpc.Frame("a"), RawGrpc.Frame("bcd"), RawGrpc.Frame("ef"))), TestContext.Current.CancellationToken);

        Assert.Equal(0, reply.Status);
        Assert.Equal(["3:1,3,2"], reply.Texts);
    }

    [Fact]
    public async Task Duplex_streaming_answers_each_message_while_the_request_stream_is_open()
    {
        var ct = TestContext.Current.CancellationToken;
        var requestBody = new PushContent();
        var request = RawGrpc.Request(M.ChatMethod.FullName, requestBody);
        requestBody.Send(RawGrpc.Frame("ping1"));

        using var response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var stream = await response.Content.ReadAsStreamAsync(ct);

        // The answer to the first message arrives before the second is sent: real bidirectional streaming.
        Assert.Equal("re:ping1", await ReadMessageAsync(stream, ct));
        requestBody.Send(RawGrpc.Frame("ping2"));
        Assert.Equal("re:ping2", await ReadMessageAsync(stream, ct));
        requestBody.Complete();

        Assert.Equal(0, await stream.ReadAsync(new byte[1], ct)); // end of the response body
        Assert.Equal("0", string.Join(",", response.TrailingHeaders.GetValues("grpc-status")));
    }

    [Fact]
    public async Task A_new_service_instance_serves_each_call_and_is_disposed()
    {
        for (var i = 0; i < 3; i++)
            Assert.Equal(0, (await RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame("x"))).Status);

        Assert.Equal(3, _server.Probe.InstancesCreated);
        Assert.Equal(3, _server.Probe.InstancesDisposed);
    }

    [Fact]
    public async Task A_method_the_service_does_not_override_runs_the_base_and_is_unimplemented()
    {
        var reply = await RawGrpc.CallAsync(_server.Client, M.NotImplementedHereMethod.FullName, RawGrpc.Frame("x"));

        Assert.Equal((int)StatusCode.Unimplemented, reply.Status);
    }

    [Fact]
    public async Task Many_concurrent_calls_on_one_connection_all_succeed()
    {
        var calls = Enumerable.Range(0, 50).Select(i =>
            RawGrpc.CallAsync(_server.Client, M.EchoMethod.FullName, RawGrpc.Frame("n" + i)));
        var replies = await Task.WhenAll(calls);

        for (var i = 0; i < replies.Length; i++)
        {
            Assert.Equal(0, replies[i].Status);
            Assert.Equal(["n" + i], replies[i].Texts);
        }
    }

    private static async Task<string> ReadMessageAsync(Stream stream, CancellationToken ct)
    {
        var header = new byte[5];
        await stream.ReadExactlyAsync(header, ct);
        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await stream.ReadExactlyAsync(payload, ct);
        return Encoding.UTF8.GetString(payload);
    }
}
