namespace Mesh.Grpc.Server;

/// <summary>
/// The deadline of a call that sent grpc-timeout. It owns what only such calls need: a token that
/// fires at the deadline or when the client goes away, a timer, and a gate that makes "the deadline
/// ends the response" and "the handler writes to the response" mutually exclusive — a handler that
/// ignores its token must not write after the DEADLINE_EXCEEDED trailers.
/// </summary>
internal sealed class ServerCallDeadline : IDisposable
{
    // Timer due times above this are not representable; such a deadline is effectively never.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly CancellationTokenSource _cts = new();
    private readonly Func<Task> _onExpired;
    private CancellationTokenRegistration _abortRegistration;
    private Timer? _timer;
    private volatile bool _expired;

    public ServerCallDeadline(TimeSpan timeout, CancellationToken requestAborted, Func<Task> onExpired)
    {
        Deadline = timeout >= DateTime.MaxValue - DateTime.UtcNow ? DateTime.MaxValue : DateTime.UtcNow + timeout;
        _onExpired = onExpired;
        _abortRegistration = requestAborted.UnsafeRegister(static s => ((ServerCallDeadline)s!).Cancel(), this);
        if (timeout <= MaxTimerDelay)
            _timer = new Timer(static s => ((ServerCallDeadline)s!).Expire(), this, timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, Timeout.InfiniteTimeSpan);
    }

    public DateTime Deadline { get; }

    /// <summary>Fires at the deadline or when the client cancels.</summary>
    public CancellationToken Token => _cts.Token;

    public bool IsExpired => _expired;

    /// <summary>Serializes response writes against the deadline ending the response.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    private void Expire()
    {
        _expired = true;
        Cancel();
        // The callback runs on a timer thread; the response work is async and reports its own errors.
        _ = _onExpired();
    }

    private void Cancel()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended concurrently; nothing left to cancel.
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
        _abortRegistration.Dispose();
    }
}
