using System.Threading.Channels;

namespace Mesh.Grpc.Tests.Codegen.Fakes;

/// <summary>A server response stream whose messages the test reads back, one at a time, as they are written.</summary>
internal sealed class ChannelStreamWriter<T> : IServerStreamWriter<T>
{
    private readonly Channel<T> _written = Channel.CreateUnbounded<T>();

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message)
    {
        _written.Writer.TryWrite(message);
        return Task.CompletedTask;
    }

    /// <summary>The next message the service wrote; waits for it (the token is a hang guard).</summary>
    public async Task<T> NextAsync(CancellationToken cancellationToken)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        return await _written.Reader.ReadAsync(guard.Token);
    }

    /// <summary>True if a message is waiting right now (used to check nothing extra was sent).</summary>
    public bool TryTake(out T? message) => _written.Reader.TryRead(out message);
}

/// <summary>A request stream the test feeds message by message, then completes.</summary>
internal sealed class ChannelStreamReader<T> : IAsyncStreamReader<T>
{
    private readonly Channel<T> _pending = Channel.CreateUnbounded<T>();
    private T? _current;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext first");

    public void Add(T message) => _pending.Writer.TryWrite(message);
    public void Complete() => _pending.Writer.TryComplete();

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (!await _pending.Reader.WaitToReadAsync(cancellationToken)) return false;
        _current = await _pending.Reader.ReadAsync(cancellationToken);
        return true;
    }
}
