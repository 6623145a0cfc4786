namespace Mesh.Grpc.Client.Balancing;

/// <summary>
/// "pick_first": every call goes to one endpoint, the first in list order that works. When it cannot be
/// reached (or its connection breaks) the picker moves on to the next one and sticks there; it does not
/// drift back on its own, as gRPC's pick_first.
/// </summary>
public sealed class PickFirstPicker : IEndpointPicker
{
    private readonly EndpointSet _set;
    private EndpointState? _selected;

    public PickFirstPicker(IEnumerable<Uri> endpoints) => _set = new EndpointSet(endpoints);

    public IReadOnlyList<Uri> Endpoints => _set.Endpoints;

    /// <summary>The endpoint calls currently go to.</summary>
    public Uri Selected => (Volatile.Read(ref _selected) ?? _set.States[0]).Address;

    public void UpdateEndpoints(IEnumerable<Uri> endpoints)
    {
        _set.Update(endpoints);
        var selected = Volatile.Read(ref _selected);
        if (selected is not null && _set.Find(selected.Address) is null) Interlocked.CompareExchange(ref _selected, null, selected);
    }

    public Uri? Pick(IMethod method, IReadOnlyCollection<Uri> alreadyTried)
    {
        var states = _set.States;
        var selected = Volatile.Read(ref _selected) ?? states[0];
        if (alreadyTried.Count == 0 || !alreadyTried.Contains(selected.Address)) return selected.Address;

        // The selected one just failed for this call: walk on in list order from it.
        var start = Array.IndexOf(states, selected);
        for (var i = 1; i <= states.Length; i++)
        {
            var candidate = states[(start + i) % states.Length];
            if (!alreadyTried.Contains(candidate.Address)) return candidate.Address;
        }
        return null;
    }

    public void ReportConnectFailure(Uri endpoint, Exception error) => MoveOnFrom(endpoint);

    public void ReportCallResult(Uri endpoint, StatusCode status, bool transportFailure)
    {
        if (transportFailure) MoveOnFrom(endpoint);
    }

    private void MoveOnFrom(Uri endpoint)
    {
        var states = _set.States;
        var current = Volatile.Read(ref _selected);
        var selected = current ?? states[0];
        if (selected.Address != endpoint) return;
        var index = Array.IndexOf(states, selected);
        var next = states[(index + 1) % states.Length];
        // Only the first reporter moves the selection; later reports about the same failure are no-ops.
        Interlocked.CompareExchange(ref _selected, next, current);
    }
}
