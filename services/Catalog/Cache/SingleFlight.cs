using System.Collections.Concurrent;

namespace Mesh.Catalog.Cache;

/// <summary>
/// Collapses concurrent loads of one key into one: the first caller runs the load, everyone arriving while it runs
/// awaits the same task. A cold key under a stampede costs the database one query per process.
/// </summary>
public sealed class SingleFlight<T>
{
    private readonly ConcurrentDictionary<string, Lazy<Task<T>>> _inFlight = new(StringComparer.Ordinal);

    public async Task<T> RunAsync(string key, Func<Task<T>> load)
    {
        var flight = _inFlight.GetOrAdd(key, _ => new Lazy<Task<T>>(load, LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return await flight.Value;
        }
        finally
        {
            // Only the flight we joined is removed; a newer one for the same key stays.
            _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, flight));
        }
    }
}
