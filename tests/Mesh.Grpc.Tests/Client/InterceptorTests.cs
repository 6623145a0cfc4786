using Mesh.Grpc.Interceptors;
using Xunit;

namespace Mesh.Grpc.Tests.Client;

/// <summary>Client interceptors over a real channel (grpc-js echo server): order, all call kinds, metadata.</summary>
public sealed class InterceptorTests(NodeEchoFixture node) : IClassFixture<NodeEchoFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static CallOptions Options => new(cancellationToken: Ct);

    [Fact]
    public async Task Interceptors_run_in_array_order_for_every_call_kind()
    {
        var log = new List<string>();
        var invoker = node.Invoker.Intercept(new Recorder("a", log), new Recorder("b", log), new Recorder("c", log));

        await invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options, "x");
        invoker.BlockingUnaryCall(EchoMethods.Unary, null, Options, "x");
        using (var s = invoker.AsyncServerStreamingCall(EchoMethods.ServerStream, null, Options, "1"))
            while (await s.ResponseStream.MoveNext(Ct)) { }
        using (var cs = invoker.AsyncClientStreamingCall(EchoMethods.ClientStream, null, Options))
        {
            await cs.RequestStream.CompleteAsync();
            await cs;
        }
        using (var d = invoker.AsyncDuplexStreamingCall(EchoMethods.Duplex, null, Options))
        {
            await d.RequestStream.CompleteAsync();
            while (await d.ResponseStream.MoveNext(Ct)) { }
        }

        var expected = new[] { "AsyncUnaryCall", "BlockingUnaryCall", "AsyncServerStreamingCall", "AsyncClientStreamingCall", "AsyncDuplexStreamingCall" }
            .SelectMany(kind => new[] { "a:" + kind, "b:" + kind, "c:" + kind });
        Assert.Equal(expected, log);
    }

    [Fact]
    public async Task Chained_intercept_calls_run_the_last_added_first()
    {
        var log = new List<string>();
        var invoker = node.Invoker.Intercept(new Recorder("inner", log)).Intercept(new Recorder("outer", log));
        await invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options, "x");
        Assert.Equal(new[] { "outer:AsyncUnaryCall", "inner:AsyncUnaryCall" }, log);
    }

    [Fact]
    public async Task Metadata_function_adds_headers_the_server_sees()
    {
        var invoker = node.Channel.Intercept(metadata =>
        {
            metadata.Add("x-added", "by-interceptor");
            return metadata;
        });
        using var call = invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options, "x");
        var headers = await call.ResponseHeadersAsync; // the echo server returns x-* request headers
        Assert.Equal("by-interceptor", headers.GetValue("x-added"));
        await call;
    }

    [Fact]
    public async Task An_interceptor_can_change_the_request_and_see_the_response()
    {
        var invoker = node.Invoker.Intercept(new Shouting());
        Assert.Equal("HELLO!", await invoker.AsyncUnaryCall(EchoMethods.Unary, null, Options, "hello"));
    }

    private sealed class Recorder(string name, List<string> log) : Interceptor
    {
        private TContinue Log<TContinue>(string kind, Func<TContinue> next)
        {
            lock (log) log.Add(name + ":" + kind);
            return next();
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
            BlockingUnaryCallContinuation<TRequest, TResponse> continuation) => Log("BlockingUnaryCall", () => continuation(request, context));

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation) => Log("AsyncUnaryCall", () => continuation(request, context));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
            AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) => Log("AsyncServerStreamingCall", () => continuation(request, context));

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context,
            AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) => Log("AsyncClientStreamingCall", () => continuation(context));

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context,
            AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) => Log("AsyncDuplexStreamingCall", () => continuation(context));
    }

    /// <summary>Upper-cases the request and appends "!" to the response: proves both directions pass through.</summary>
    private sealed class Shouting : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            var call = continuation((TRequest)(object)((string)(object)request).ToUpperInvariant(), context);
            return new AsyncUnaryCall<TResponse>(Bang(call.ResponseAsync), call.State);
        }

        private static async Task<TResponse> Bang<TResponse>(Task<TResponse> response) => (TResponse)(object)((string)(object)(await response)! + "!");
    }
}
