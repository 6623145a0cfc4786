namespace Mesh.ServiceDefaults.Resilience;

public enum CircuitState
{
    /// <summary>Calls flow.</summary>
    Closed,

    /// <summary>The endpoint is ejected: no calls until the break has passed.</summary>
    Open,

    /// <summary>One probe call is in flight; its outcome closes or re-opens the breaker.</summary>
    HalfOpen,
}

/// <summary>
/// The breaker of one endpoint. It is fed after the fact — the channel reports how each call on the endpoint
/// ended — rather than wrapping an execution, because the endpoint of an attempt is chosen inside the channel
/// (Mesh.Grpc's IEndpointPicker seam). That is why this is a small state machine of ours and not Polly's
/// CircuitBreaker strategy, whose outcomes can only come from calls it executes itself.
/// </summary>
public sealed class EndpointCircuitBreaker
{
    private readonly object _gate = new();
    private readonly CircuitBreakerOptions _options;
    private readonly TimeProvider _clock;
    private CircuitState _state = CircuitState.Closed;
    private int _consecutiveFailures;
    private int _consecutiveOpens;
    private long _openedAt;
    private TimeSpan _breakFor;

    public EndpointCircuitBreaker(CircuitBreakerOptions options, TimeProvider clock)
    {
        _options = options;
        _clock = clock;
    }

    public CircuitState State
    {
        get { lock (_gate) return _state; }
    }

    /// <summary>May a call use the endpoint now? When the break is over, the caller becomes the half-open probe.</summary>
    public bool TryAcquire()
    {
        if (!_options.Enabled) return true;
        lock (_gate)
        {
            switch (_state)
            {
                case CircuitState.Closed:
                    return true;
                case CircuitState.Open when _clock.GetElapsedTime(_openedAt) >= _breakFor:
                    _state = CircuitState.HalfOpen;
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>The endpoint answered (with any status that is not a transport-level failure).</summary>
    public void OnSuccess()
    {
        lock (_gate)
        {
            _consecutiveFailures = 0;
            // A late answer to a call started before the breaker opened does not close it: only the probe does.
            if (_state == CircuitState.Open) return;
            _state = CircuitState.Closed;
            _consecutiveOpens = 0;
        }
    }

    /// <summary>The endpoint failed: UNAVAILABLE, a broken connection, or (<paramref name="refused"/>) no connection at all.</summary>
    public void OnFailure(bool refused)
    {
        if (!_options.Enabled) return;
        lock (_gate)
        {
            switch (_state)
            {
                case CircuitState.HalfOpen:
                    Open();
                    break;
                case CircuitState.Closed:
                    _consecutiveFailures++;
                    // A refused connection is not a blip: the process is not there. Eject at once.
                    if (refused || _consecutiveFailures >= _options.FailureThreshold) Open();
                    break;
            }
        }
    }

    /// <summary>The call ended for a reason that says nothing about the endpoint (cancelled by the caller, local deadline).</summary>
    public void OnInconclusive()
    {
        lock (_gate)
        {
            // The probe slot must not stay taken: let the next call probe again.
            if (_state == CircuitState.HalfOpen)
            {
                _state = CircuitState.Open;
                _openedAt = _clock.GetTimestamp();
                _breakFor = TimeSpan.Zero;
            }
        }
    }

    private void Open()
    {
        _consecutiveOpens++;
        _consecutiveFailures = 0;
        var factor = Math.Pow(2, Math.Min(_consecutiveOpens - 1, 16));
        var breakFor = TimeSpan.FromTicks((long)Math.Min(_options.BreakDuration.Ticks * factor, _options.MaxBreakDuration.Ticks));
        _state = CircuitState.Open;
        _openedAt = _clock.GetTimestamp();
        _breakFor = breakFor;
    }
}
