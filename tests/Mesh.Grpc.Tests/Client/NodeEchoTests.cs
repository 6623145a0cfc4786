using Mesh.Grpc.Client;
using Xunit;

namespace Mesh.Grpc.Tests.Client;

/// <summary>Our client against the official @grpc/grpc-js server: the four call kinds and the call features.</summary>
public sealed class NodeEchoTests(NodeEchoFixture node) : IClassFixture<NodeEchoFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static CallOptions Options(Metadata? headers = null) => new(headers, cancellationToken: Ct);

    [Fact]
    public async Task Unary_call_returns_the_echo()
    {
        var response = await node.Invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options(), "hello");
        Assert.Equal("hello", response);
    }

    [Fact]
    public void Blocking_unary_call_returns_the_echo()
    {
        Assert.Equal("blocking", node.Invoker.BlockingUnaryCall(EchoMethods.Unary, null, Options(), "blocking"));
    }

    [Fact]
    public async Task Metadata_goes_both_ways_including_binary_and_headers_and_trailers_are_exposed()
    {
        var headers = new Metadata { { "x-text", "plain value" }, { "x-data-bin", new byte[] { 0, 1, 254, 255, 7 } } };
        using var call = node.Invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options(headers), "meta");

        var responseHeaders = await call.ResponseHeadersAsync;
        Assert.Equal("plain value", responseHeaders.GetValue("x-text"));
        Assert.Equal(new byte[] { 0, 1, 254, 255, 7 }, responseHeaders.GetValueBytes("x-data-bin"));

        Assert.Equal("meta", await call);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("done", call.GetTrailers().GetValue("x-trailer"));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, call.GetTrailers().GetValueBytes("x-trailer-bin"));
    }

    [Fact]
    public async Task Server_streaming_reads_every_message_then_ends()
    {
        using var call = node.Invoker.AsyncServerStreamingCall(EchoMethods.ServerStream, null, Options(), "5");
        var received = new List<string>();
        await foreach (var message in call.ResponseStream.ReadAllAsync(Ct)) received.Add(message);
        Assert.Equal(new[] { "0", "1", "2", "3", "4" }, received);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("done", call.GetTrailers().GetValue("x-trailer"));
    }

    [Fact]
    public async Task Client_streaming_sends_every_message_before_the_response()
    {
        using var call = node.Invoker.AsyncClientStreamingCall(EchoMethods.ClientStream, null, Options());
        foreach (var part in new[] { "a", "b", "c" }) await call.RequestStream.WriteAsync(part, Ct);
        await call.RequestStream.CompleteAsync();
        Assert.Equal("a,b,c", await call);
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.WriteAsync("late", Ct));
    }

    [Fact]
    public async Task Duplex_streaming_ping_pongs_in_lockstep()
    {
        using var call = node.Invoker.AsyncDuplexStreamingCall(EchoMethods.Duplex, null, Options());
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync("ping " + i, Ct);
            Assert.True(await call.ResponseStream.MoveNext(Ct));
            Assert.Equal("ping " + i, call.ResponseStream.Current);
        }
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Duplex_error_from_the_server_surfaces_on_read()
    {
        using var call = node.Invoker.AsyncDuplexStreamingCall(EchoMethods.Duplex, null, Options());
        await call.RequestStream.WriteAsync("fail", Ct);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("asked to fail", ex.Status.Detail);
    }

    [Fact]
    public async Task Error_status_carries_the_decoded_message_and_trailers()
    {
        using var call = node.Invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options(), "fail:9:seat taken: 5% über ✓");
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("seat taken: 5% über ✓", ex.Status.Detail);
        Assert.Equal("done", ex.Trailers.GetValue("x-trailer"));
        Assert.Equal(StatusCode.FailedPrecondition, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Deadline_ends_a_sleeping_call_with_deadline_exceeded()
    {
        var options = new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300), cancellationToken: Ct);
        using var call = node.Invoker.AsyncUnaryCall(EchoMethods.Unary, null, options, "sleep");
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Cancelling_the_token_ends_the_call_with_cancelled()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var call = node.Invoker.AsyncUnaryCall(EchoMethods.Unary, null, new CallOptions(cancellationToken: cts.Token), "sleep");
        await call.ResponseHeadersAsync; // the server has the call
        cts.Cancel();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
    }

    [Fact]
    public async Task Disposing_a_streaming_call_cancels_it()
    {
        var call = node.Invoker.AsyncDuplexStreamingCall(EchoMethods.Duplex, null, Options());
        await call.RequestStream.WriteAsync("one", Ct);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        call.Dispose();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unknown_method_is_unimplemented()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => node.Invoker.AsyncUnaryCall(EchoMethods.Missing, null, Options(), "x").ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Compressed_requests_are_understood_by_grpc_js(string encoding)
    {
        var big = new string('z', 50_000);
        var options = Options().WithCompression(encoding);
        Assert.Equal(big, await node.Invoker.AsyncUnaryCall(EchoMethods.Unary, null, options, big));

        using var call = node.Invoker.AsyncClientStreamingCall(EchoMethods.ClientStream, null, options);
        await call.RequestStream.WriteAsync(big, Ct);
        await call.RequestStream.WriteAsync("tail", Ct);
        await call.RequestStream.CompleteAsync();
        Assert.Equal(big + ",tail", await call);
    }

    [Fact]
    public async Task A_custom_http_handler_sends_the_calls()
    {
        var recorder = new RecordingHandler(new SocketsHttpHandler());
        using (var channel = GrpcChannel.ForAddress(node.Address, new GrpcChannelOptions { HttpHandler = recorder, DisposeHttpClient = true }))
        {
            var invoker = channel.CreateCallInvoker();
            Assert.Equal("via handler", await invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options(), "via handler"));
        }
        Assert.Equal(new[] { "/mesh.test.Echo/Unary" }, recorder.Paths);
    }

    [Fact]
    public async Task Many_concurrent_calls_share_the_channel()
    {
        var calls = Enumerable.Range(0, 200).Select(i => node.Invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options(), "m" + i).ResponseAsync);
        var results = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => "m" + i), results);
    }
}

/// <summary>Records every request passing through (proof that a custom HttpHandler is what sends the calls).</summary>
internal sealed class RecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Paths { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Paths.Enqueue(request.RequestUri!.AbsolutePath);
        return base.SendAsync(request, cancellationToken);
    }
}
