using System.Collections.Concurrent;

namespace Mesh.ServiceDefaults.Tests.Support;

/// <summary>What one test server saw: attempts per key and in all (the server-side counters the tests assert on).</summary>
public sealed class ProbeState(string name)
{
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private int _total;

    public string Name { get; } = name;
    public int Total => Volatile.Read(ref _total);
    public int AttemptsOf(string key) => _attempts.TryGetValue(key, out var n) ? n : 0;

    /// <summary>Runs inside Forward before the next hop (the tracing test publishes a message here), given the served call.</summary>
    public Func<ServerCallContext, Task>? OnForward { get; set; }

    internal int Count(string key)
    {
        Interlocked.Increment(ref _total);
        return _attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
    }
}
