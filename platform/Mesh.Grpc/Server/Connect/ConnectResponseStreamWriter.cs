namespace Mesh.Grpc.Server.Connect;

/// <summary>The response stream of a Connect streaming call: each message enveloped and flushed.</summary>
internal sealed class ConnectResponseStreamWriter<TResponse> : IServerStreamWriter<TResponse>
{
    private readonly ConnectServerCallContext _call;
    private readonly Marshaller<TResponse> _marshaller;
    private int _writing;

    public ConnectResponseStreamWriter(ConnectServerCallContext call, Marshaller<TResponse> marshaller)
    {
        _call = call;
        _marshaller = marshaller;
    }

    /// <summary>Accepted for API compatibility; Connect responses are never compressed here, so flags change nothing.</summary>
    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(TResponse message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(TResponse message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        // One outstanding write per stream, as for gRPC: overlapping writes would interleave envelopes.
        if (Interlocked.Exchange(ref _writing, 1) == 1)
            throw new InvalidOperationException("Can't write the message because the previous write is still in progress.");
        try
        {
            await _call.WriteEnvelopeAsync(message, _marshaller).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }
}
