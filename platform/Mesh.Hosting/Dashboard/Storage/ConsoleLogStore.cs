namespace Mesh.Hosting.Dashboard.Storage;

/// <summary>
/// Console output of every resource for the whole session (bounded per resource), across restarts: it follows
/// each instance's <see cref="Mesh.Servers.Processes.LogTail"/> from the moment the instance has one.
/// </summary>
public sealed class ConsoleLogStore
{
    private readonly Dictionary<string, BoundedLog<ConsoleLine>> _logs = new();
    private readonly HashSet<Mesh.Servers.Processes.LogTail> _followed = new();
    private readonly int _capacity;
    private readonly Lock _gate = new();

    public ConsoleLogStore(IEnumerable<ResourceInstance> instances, int capacityPerResource)
    {
        _capacity = capacityPerResource;
        foreach (var instance in instances)
        {
            lock (_gate) _logs[instance.DisplayName] = new BoundedLog<ConsoleLine>(_capacity);
            instance.StateChanged += Follow;
            Follow(instance);
        }
    }

    public IReadOnlyCollection<string> Resources { get { lock (_gate) return _logs.Keys.ToArray(); } }

    public BoundedLog<ConsoleLine>? For(string resource)
    {
        lock (_gate) return _logs.GetValueOrDefault(resource);
    }

    /// <summary>Starts following an instance's log once it has one; a server's earlier lines are copied first.</summary>
    private void Follow(ResourceInstance instance)
    {
        var tail = instance.Log;
        if (tail is null) return;
        BoundedLog<ConsoleLine> target;
        lock (_gate)
        {
            if (!_followed.Add(tail)) return;
            target = _logs[instance.DisplayName];
        }
        // History and news from one call: a line printed while following starts is neither lost nor shown twice.
        tail.Follow(_capacity,
            history => target.AddRange(history.Select(line => new ConsoleLine(DateTime.UtcNow, line))),
            line => target.Add(new ConsoleLine(DateTime.UtcNow, line)));
    }
}
