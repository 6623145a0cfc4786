using Grpc.Core.Interceptors;

namespace Mesh.ServiceDefaults.Clients;

/// <summary>
/// A unary call never waits forever: one without a deadline of its own, and none propagated from the call being
/// served (the context propagation interceptor runs before this one), gets <see cref="ServiceClientOptions.Deadline"/>.
/// Streams keep theirs (a watch may rightly last long).
/// </summary>
internal sealed class DefaultDeadlineInterceptor(TimeSpan deadline) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (context.Options.Deadline is null || context.Options.Deadline == DateTime.MaxValue)
            context = new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithDeadline(DateTime.UtcNow + deadline));
        return continuation(request, context);
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (context.Options.Deadline is null || context.Options.Deadline == DateTime.MaxValue)
            context = new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithDeadline(DateTime.UtcNow + deadline));
        return continuation(request, context);
    }
}
