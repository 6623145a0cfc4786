namespace Mesh.Grpc.Interceptors;

/// <summary>
/// Lets a function rewrite the request metadata of every call (add an auth token, a trace header…).
/// The function gets the call's headers (a fresh, writable instance when the call had none).
/// </summary>
internal sealed class MetadataInterceptor : Interceptor
{
    private readonly Func<Metadata, Metadata> _transform;

    public MetadataInterceptor(Func<Metadata, Metadata> transform) => _transform = transform ?? throw new ArgumentNullException(nameof(transform));

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, WithHeaders(context));

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, WithHeaders(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) => continuation(request, WithHeaders(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context,
        AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) => continuation(WithHeaders(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context,
        AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) => continuation(WithHeaders(context));

    private ClientInterceptorContext<TRequest, TResponse> WithHeaders<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class where TResponse : class
    {
        var headers = context.Options.Headers is { IsReadOnly: false } existing ? existing : Copy(context.Options.Headers);
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(_transform(headers)));
    }

    private static Metadata Copy(Metadata? source)
    {
        var copy = new Metadata();
        if (source is not null)
            foreach (var entry in source) copy.Add(entry);
        return copy;
    }
}
