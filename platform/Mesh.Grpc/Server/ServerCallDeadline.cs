namespace Mesh.Grpc.Server;

/// <summary>
/// The deadline of a call that sent grpc-timeout. It owns what only such calls need: a token that
/// fires at the deadline or when the client goes away, a timer, and a gate that makes "the deadline
/// ends the response" and "the handler writes to the response" mutually exclusive — a handler that
/// ignores its token must not write after the DEADLINE_EXCEEDED trailers.
/// </summary>
/// <remarks>
/// Kept cheap because every call from a ServiceDefaults client carries a deadline. The timer comes from
/// <see cref="TimeProvider.System"/> (no finalizable <see cref="Timer"/> holder) and calls the owning call
/// directly (no delegate per call). The client-abort link — which makes Kestrel allocate the request's abort
/// source and costs a registration — is made only when the handler-facing <see cref="Token"/> is first asked
/// for. Request reads and response writes use <see cref="DeadlineToken"/>, which needs no link: Kestrel already
/// fails them when the client resets the stream.
/// </remarks>
internal sealed class ServerCallDeadline : IDisposable
{
    // Timer due times above this are not representable; such a deadline is effectively never.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly CancellationTokenSource _cts = new();
    private readonly HttpServerCallContext _call;
    private readonly TimeSpan _timeout;
    private CancellationTokenRegistration _abortRegistration;
    private ITimer? _timer;
    private volatile bool _abortLinked;
    private volatile bool _expired;
    private bool _disposed;

    /// <param name="timeout">The grpc-timeout the client sent.</param>
    /// <param name="call">The call this is the deadline of: it ends the response at expiry.</param>
    public ServerCallDeadline(TimeSpan timeout, HttpServerCallContext call)
    {
        Deadline = timeout >= DateTime.MaxValue - DateTime.UtcNow ? DateTime.MaxValue : DateTime.UtcNow + timeout;
        _timeout = timeout;
        _call = call;
    }

    public DateTime Deadline { get; }

    /// <summary>Fires at the deadline or when the client cancels: the handler's token.</summary>
    public CancellationToken Token
    {
        get
        {
            if (!_abortLinked) LinkClientAbort();
            return _cts.Token;
        }
    }

    /// <summary>Fires at the deadline (and, once <see cref="Token"/> was asked for, when the client cancels).</summary>
    public CancellationToken DeadlineToken => _cts.Token;

    public bool IsExpired => _expired;

    /// <summary>Serializes response writes against the deadline ending the response.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Starts the timer; separate from the constructor so expiry never finds the call without its deadline.</summary>
    public void Start()
    {
        if (_timeout <= MaxTimerDelay)
            _timer = TimeProvider.System.CreateTimer(static s => ((ServerCallDeadline)s!).Expire(), this,
                _timeout < TimeSpan.Zero ? TimeSpan.Zero : _timeout, Timeout.InfiniteTimeSpan);
    }

    private void LinkClientAbort()
    {
        lock (_cts)
        {
            // After Dispose the request may be over and its HttpContext reused: never touch it then.
            if (_abortLinked || _disposed) return;
            _abortRegistration = _call.HttpContext.RequestAborted.UnsafeRegister(static s => ((ServerCallDeadline)s!).Cancel(), this);
            _abortLinked = true;
        }
    }

    private void Expire()
    {
        _expired = true;
        Cancel();
        // The callback runs on a timer thread; the response work is async and reports its own errors.
        _ = _call.OnDeadlineExpiredAsync();
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
        lock (_cts) _disposed = true;
        _timer?.Dispose();
        _timer = null;
        _abortRegistration.Dispose();
    }
}
