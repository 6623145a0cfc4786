namespace Mesh.Grpc.Client.Balancing;

/// <summary>
/// The endpoints a picker chooses from, with a little health state each. The list is an immutable
/// snapshot swapped atomically on update, so picking never locks; state survives an update for
/// endpoints that stay in the list (what DNS re-resolution needs).
/// </summary>
public sealed class EndpointSet
{
    private volatile EndpointState[] _states;

    public EndpointSet(IEnumerable<Uri> endpoints)
    {
        _states = Build(endpoints, Array.Empty<EndpointState>());
        if (_states.Length == 0) throw new ArgumentException("At least one endpoint is needed.", nameof(endpoints));
    }

    /// <summary>The current snapshot (never mutated; replaced by <see cref="Update"/>).</summary>
    public EndpointState[] States => _states;

    public IReadOnlyList<Uri> Endpoints => Array.ConvertAll(_states, s => s.Address);

    /// <summary>Replaces the list, keeping the state of endpoints present in both.</summary>
    public void Update(IEnumerable<Uri> endpoints)
    {
        var next = Build(endpoints, _states);
        if (next.Length == 0) throw new ArgumentException("At least one endpoint is needed.", nameof(endpoints));
        _states = next;
    }

    public EndpointState? Find(Uri address)
    {
        foreach (var s in _states)
            if (s.Address == address) return s;
        return null;
    }

    private static EndpointState[] Build(IEnumerable<Uri> endpoints, EndpointState[] previous)
    {
        var list = new List<EndpointState>();
        foreach (var uri in endpoints)
        {
            var address = EndpointAddress.Normalize(uri);
            if (list.Exists(s => s.Address == address)) continue;
            list.Add(Array.Find(previous, s => s.Address == address) ?? new EndpointState(address));
        }
        return list.ToArray();
    }
}

/// <summary>What a picker remembers about one endpoint.</summary>
public sealed class EndpointState
{
    private long _unavailableUntilTicks;

    public EndpointState(Uri address) => Address = address;

    public Uri Address { get; }

    /// <summary>True while the endpoint is considered down (it failed recently and its back-off has not passed).</summary>
    public bool IsUnavailable(long nowTicks) => Volatile.Read(ref _unavailableUntilTicks) > nowTicks;

    public void MarkUnavailable(TimeSpan backOff) =>
        Volatile.Write(ref _unavailableUntilTicks, Environment.TickCount64 * TimeSpan.TicksPerMillisecond + backOff.Ticks);

    public void MarkAvailable() => Volatile.Write(ref _unavailableUntilTicks, 0);

    public static long NowTicks => Environment.TickCount64 * TimeSpan.TicksPerMillisecond;

    public override string ToString() => Address.ToString();
}

/// <summary>How endpoint addresses are compared: scheme://host:port/ with an optional path base.</summary>
public static class EndpointAddress
{
    public static Uri Normalize(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"Address '{address}' must be an absolute http:// or https:// URI.", nameof(address));
        // A trailing slash keeps "http://h/base" and "http://h/base/" the same endpoint.
        var text = address.GetLeftPart(UriPartial.Path);
        return new Uri(text.EndsWith('/') ? text : text + "/");
    }
}
