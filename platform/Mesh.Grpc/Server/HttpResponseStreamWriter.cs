namespace Mesh.Grpc.Server;

/// <summary>
/// The response stream of a server- or bidi-streaming call. Each write is framed straight into
/// Kestrel's pipe and flushed, so the client sees it immediately.
/// </summary>
internal sealed class HttpResponseStreamWriter<TResponse> : IServerStreamWriter<TResponse>
{
    private readonly HttpServerCallContext _call;
    private readonly Marshaller<TResponse> _marshaller;
    private int _writing;

    public HttpResponseStreamWriter(HttpServerCallContext call, Marshaller<TResponse> marshaller)
    {
        _call = call;
        _marshaller = marshaller;
    }

    /// <summary>Options for the next writes; falls back to the call's ServerCallContext.WriteOptions.</summary>
    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(TResponse message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(TResponse message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        // gRPC allows one outstanding write per stream; overlapping writes would interleave frames.
        if (Interlocked.Exchange(ref _writing, 1) == 1)
            throw new InvalidOperationException("Can't write the message because the previous write is still in progress.");

        ValueTask pending;
        try
        {
            pending = _call.WriteMessageAsync(message, _marshaller, WriteOptions, flush: true);
        }
        catch
        {
            Volatile.Write(ref _writing, 0);
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Volatile.Write(ref _writing, 0);
            return Task.CompletedTask;
        }
        return AwaitWrite(pending);
    }

    private async Task AwaitWrite(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }
}
