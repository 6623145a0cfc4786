namespace Mesh.Grpc.Client.Balancing;

/// <summary>
/// "round_robin": calls are spread over every endpoint in turn. An endpoint that cannot be reached is
/// skipped for <see cref="RetryDelay"/> and then tried again; when every endpoint is down all are tried
/// (failing fast beats having nothing to try).
/// </summary>
public sealed class RoundRobinPicker : IEndpointPicker
{
    private readonly EndpointSet _set;
    private int _next = -1;

    public RoundRobinPicker(IEnumerable<Uri> endpoints, TimeSpan? retryDelay = null)
    {
        _set = new EndpointSet(endpoints);
        RetryDelay = retryDelay ?? TimeSpan.FromSeconds(1);
    }

    public TimeSpan RetryDelay { get; }

    public IReadOnlyList<Uri> Endpoints => _set.Endpoints;

    public void UpdateEndpoints(IEnumerable<Uri> endpoints) => _set.Update(endpoints);

    public Uri? Pick(IMethod method, IReadOnlyCollection<Uri> alreadyTried)
    {
        var states = _set.States;
        var now = EndpointState.NowTicks;
        var start = (uint)Interlocked.Increment(ref _next);
        EndpointState? fallback = null;
        for (var i = 0; i < states.Length; i++)
        {
            var candidate = states[(int)((start + (uint)i) % (uint)states.Length)];
            if (alreadyTried.Count > 0 && alreadyTried.Contains(candidate.Address)) continue;
            if (!candidate.IsUnavailable(now)) return candidate.Address;
            fallback ??= candidate;
        }
        return fallback?.Address;
    }

    public void ReportConnectFailure(Uri endpoint, Exception error) => _set.Find(endpoint)?.MarkUnavailable(RetryDelay);

    public void ReportCallResult(Uri endpoint, StatusCode status, bool transportFailure)
    {
        var state = _set.Find(endpoint);
        if (state is null) return;
        if (transportFailure) state.MarkUnavailable(RetryDelay);
        else state.MarkAvailable();
    }
}
