using Mesh.Grpc.Interceptors;

namespace Mesh.ServiceDefaults.Resilience;

/// <summary>
/// The gRPC call this code is serving, if any. Set by <see cref="ServerCallScopeInterceptor"/> for the duration of
/// a handler and flowed by the ExecutionContext into everything it awaits, so an outgoing call made while serving
/// inherits the incoming deadline and cancellation without passing the context around.
/// </summary>
public static class ServerCallScope
{
    private static readonly AsyncLocal<ServerCallContext?> CurrentCall = new();

    public static ServerCallContext? Current
    {
        get => CurrentCall.Value;
        internal set => CurrentCall.Value = value;
    }

    /// <summary>
    /// Work that outlives the incoming call (fire-and-forget, a background queue) must not inherit its deadline:
    /// start it inside <c>using (ServerCallScope.Detach())</c>.
    /// </summary>
    public static IDisposable Detach()
    {
        var previous = Current;
        Current = null;
        return new Restore(previous);
    }

    private sealed class Restore(ServerCallContext? previous) : IDisposable
    {
        public void Dispose() => Current = previous;
    }
}

/// <summary>Makes the incoming call visible through <see cref="ServerCallScope.Current"/> while its handler runs.</summary>
public sealed class ServerCallScopeInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ServerCallScope.Current = context; // an async method restores the caller's value when it returns
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ServerCallScope.Current = context;
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ServerCallScope.Current = context;
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ServerCallScope.Current = context;
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }
}
