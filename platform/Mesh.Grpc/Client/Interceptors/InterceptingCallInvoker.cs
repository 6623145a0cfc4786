namespace Mesh.Grpc.Interceptors;

/// <summary>A CallInvoker that sends every call through one interceptor before handing it to the next invoker.</summary>
internal sealed class InterceptingCallInvoker : CallInvoker
{
    private readonly CallInvoker _next;
    private readonly Interceptor _interceptor;

    public InterceptingCallInvoker(CallInvoker next, Interceptor interceptor)
    {
        _next = next ?? throw new ArgumentNullException(nameof(next));
        _interceptor = interceptor ?? throw new ArgumentNullException(nameof(interceptor));
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        _interceptor.BlockingUnaryCall(request, new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            (req, ctx) => _next.BlockingUnaryCall(ctx.Method, ctx.Host, ctx.Options, req));

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        _interceptor.AsyncUnaryCall(request, new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            (req, ctx) => _next.AsyncUnaryCall(ctx.Method, ctx.Host, ctx.Options, req));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        _interceptor.AsyncServerStreamingCall(request, new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            (req, ctx) => _next.AsyncServerStreamingCall(ctx.Method, ctx.Host, ctx.Options, req));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        _interceptor.AsyncClientStreamingCall(new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            ctx => _next.AsyncClientStreamingCall(ctx.Method, ctx.Host, ctx.Options));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        _interceptor.AsyncDuplexStreamingCall(new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            ctx => _next.AsyncDuplexStreamingCall(ctx.Method, ctx.Host, ctx.Options));
}
