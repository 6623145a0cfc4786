using Mesh.Grpc.Client.Balancing;
using Mesh.ServiceDefaults.Resilience;

namespace Mesh.ServiceDefaults.Discovery;

/// <summary>
/// The endpoint policy of one downstream service, plugged into the channel through Mesh.Grpc's
/// <see cref="IEndpointPicker"/> seam: round-robin over every endpoint whose <see cref="EndpointCircuitBreaker"/>
/// lets calls through. An endpoint that fails is ejected for a back-off and then probed back in by one call.
/// The list itself is refreshed from discovery periodically and after connection failures; breaker state survives
/// a refresh for endpoints that stay. When every endpoint is ejected, calls fail fast with UNAVAILABLE.
/// </summary>
public sealed class ServiceEndpointPicker : IEndpointPicker, IDisposable
{
    private readonly CircuitBreakerOptions _breakerOptions;
    private readonly TimeProvider _clock;
    private readonly Func<CancellationToken, Task<IReadOnlyList<Uri>>>? _resolve;
    private readonly DiscoveryOptions _discovery;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _refreshRequested = new(0, 1);
    private volatile Entry[] _entries;
    private int _next = -1;

    public ServiceEndpointPicker(IReadOnlyList<Uri> initial, CircuitBreakerOptions breaker, TimeProvider clock,
        Func<CancellationToken, Task<IReadOnlyList<Uri>>>? resolve = null, DiscoveryOptions? discovery = null)
    {
        _breakerOptions = breaker;
        _clock = clock;
        _resolve = resolve;
        _discovery = discovery ?? new DiscoveryOptions();
        _entries = Build(initial, []);
        if (_entries.Length == 0) throw new ArgumentException("At least one endpoint is needed.", nameof(initial));
        if (_resolve is not null) _ = RefreshLoopAsync();
    }

    public IReadOnlyList<Uri> Endpoints => Array.ConvertAll(_entries, e => e.Address);

    /// <summary>Every endpoint with its breaker state (for tests, logs and a status page).</summary>
    public IReadOnlyList<(Uri Endpoint, CircuitState State)> Snapshot() =>
        Array.ConvertAll(_entries, e => (e.Address, e.Breaker.State));

    public CircuitState StateOf(Uri endpoint) =>
        Find(EndpointAddress.Normalize(endpoint))?.Breaker.State ?? throw new ArgumentException($"{endpoint} is not an endpoint of this picker.");

    public Uri? Pick(IMethod method, IReadOnlyCollection<Uri> alreadyTried)
    {
        var entries = _entries;
        var start = (uint)Interlocked.Increment(ref _next);
        for (var i = 0; i < entries.Length; i++)
        {
            var candidate = entries[(int)((start + (uint)i) % (uint)entries.Length)];
            if (alreadyTried.Count > 0 && alreadyTried.Contains(candidate.Address)) continue;
            if (candidate.Breaker.TryAcquire()) return candidate.Address;
        }
        return null;
    }

    public void ReportConnectFailure(Uri endpoint, Exception error)
    {
        Find(endpoint)?.Breaker.OnFailure(refused: true);
        RequestRefresh(); // the endpoint may be gone for good: ask discovery what exists now
    }

    public void ReportCallResult(Uri endpoint, StatusCode status, bool transportFailure)
    {
        var breaker = Find(endpoint)?.Breaker;
        if (breaker is null) return;
        if (transportFailure || status == StatusCode.Unavailable) breaker.OnFailure(refused: false);
        else if (status is StatusCode.Cancelled or StatusCode.DeadlineExceeded) breaker.OnInconclusive();
        else breaker.OnSuccess(); // the server answered, whatever it said
    }

    /// <summary>Replaces the endpoint list, keeping the breakers of endpoints that stay.</summary>
    public void Update(IEnumerable<Uri> endpoints)
    {
        var next = Build(endpoints, _entries);
        if (next.Length > 0) _entries = next; // an empty answer (DNS hiccup) keeps what we had
    }

    public void RequestRefresh()
    {
        if (_resolve is null) return;
        try { _refreshRequested.Release(); }
        catch (SemaphoreFullException) { /* one is already pending */ }
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
    }

    private async Task RefreshLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                Update(await _resolve!(token).ConfigureAwait(false));
                // Wait for the period or a failure, but never re-resolve more often than MinRefreshSpacing.
                await Task.Delay(_discovery.MinRefreshSpacing, token).ConfigureAwait(false);
                await _refreshRequested.WaitAsync(Max(_discovery.RefreshInterval - _discovery.MinRefreshSpacing, TimeSpan.Zero), token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Resolution failed (DNS down): keep the current list and try again after the period.
                try { await Task.Delay(_discovery.MinRefreshSpacing, token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private Entry? Find(Uri endpoint)
    {
        foreach (var entry in _entries)
            if (entry.Address == endpoint) return entry;
        return null;
    }

    private Entry[] Build(IEnumerable<Uri> endpoints, Entry[] previous)
    {
        var list = new List<Entry>();
        foreach (var uri in endpoints)
        {
            var address = EndpointAddress.Normalize(uri);
            if (list.Exists(e => e.Address == address)) continue;
            list.Add(Array.Find(previous, e => e.Address == address)
                     ?? new Entry(address, new EndpointCircuitBreaker(_breakerOptions, _clock)));
        }
        return list.ToArray();
    }

    private sealed record Entry(Uri Address, EndpointCircuitBreaker Breaker);
}
