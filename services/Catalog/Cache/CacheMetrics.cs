using System.Diagnostics.Metrics;

namespace Mesh.Catalog.Cache;

/// <summary>
/// Cache hits, misses and database loads (meter "Mesh.Catalog"): the hit ratio is hits / (hits + misses), exported as
/// catalog.cache.hit_ratio. The counts are also readable in-process (the stampede test reads <see cref="Loads"/>).
/// </summary>
public sealed class CacheMetrics
{
    public const string MeterName = "Mesh.Catalog";
    private static readonly Meter Meter = new(MeterName);
    private readonly Counter<long> _hits = Meter.CreateCounter<long>("catalog.cache.hits", description: "Reads served from Redis.");
    private readonly Counter<long> _misses = Meter.CreateCounter<long>("catalog.cache.misses", description: "Reads that missed Redis.");
    private readonly Counter<long> _loads = Meter.CreateCounter<long>("catalog.cache.loads", description: "Database loads after a miss (single-flight: at most one per cold key at a time).");
    private long _hitCount, _missCount, _loadCount;

    public CacheMetrics() =>
        Meter.CreateObservableGauge("catalog.cache.hit_ratio", () => HitRatio, description: "Hits / (hits + misses) since start.");

    public long Hits => Interlocked.Read(ref _hitCount);
    public long Misses => Interlocked.Read(ref _missCount);
    public long Loads => Interlocked.Read(ref _loadCount);
    public double HitRatio => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);

    public void Hit(string kind) { Interlocked.Increment(ref _hitCount); _hits.Add(1, new KeyValuePair<string, object?>("kind", kind)); }
    public void Miss(string kind) { Interlocked.Increment(ref _missCount); _misses.Add(1, new KeyValuePair<string, object?>("kind", kind)); }
    public void Load(string kind) { Interlocked.Increment(ref _loadCount); _loads.Add(1, new KeyValuePair<string, object?>("kind", kind)); }
}
