namespace Mesh.Grpc.Client.Internal;

/// <summary>
/// The RequestStream of client- and bidi-streaming calls. One write at a time (a second write while one is
/// pending is an InvalidOperationException, as in grpc-dotnet); nothing may be written after CompleteAsync.
/// </summary>
internal sealed class ClientStreamWriter<TRequest, TResponse> : IClientStreamWriter<TRequest> where TRequest : class where TResponse : class
{
    private readonly GrpcCall<TRequest, TResponse> _call;
    private readonly Lock _lock = new();
    private Task? _pendingWrite;
    private bool _completed;

    public ClientStreamWriter(GrpcCall<TRequest, TResponse> call) => _call = call;

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(TRequest message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_lock)
        {
            if (_completed)
                return Task.FromException(new InvalidOperationException("Request stream has already been completed."));
            if (_pendingWrite is { IsCompleted: false })
                return Task.FromException(new InvalidOperationException("Can't write the message because the previous write is in progress."));
            return _pendingWrite = _call.WriteMessageAsync(message, WriteOptions, cancellationToken);
        }
    }

    public Task CompleteAsync()
    {
        lock (_lock)
        {
            if (_pendingWrite is { IsCompleted: false })
                return Task.FromException(new InvalidOperationException("Can't complete the request stream because a write is in progress."));
            if (_completed) return Task.CompletedTask;
            _completed = true;
        }
        return _call.CompleteRequestAsync();
    }
}
