namespace Mesh.Hosting.Dashboard.Storage;

/// <summary>
/// The latest point of each metric series. New series beyond the cap are refused (and counted) rather than
/// evicting live ones: a runaway attribute (an id in a label) must not push out the series people watch.
/// </summary>
public sealed class MetricStore(int maxSeries)
{
    // Per instance: replicas of one service report the same series, and each one's latest point counts.
    private readonly Dictionary<(string Service, string? Instance, string Name, string Attributes), MetricPoint> _series = new();
    private readonly Lock _gate = new();

    public long Refused { get; private set; }

    public int Count { get { lock (_gate) return _series.Count; } }

    public void Record(MetricPoint point)
    {
        var key = (point.Service, point.Instance, point.Name, point.AttributeKey);
        lock (_gate)
        {
            if (!_series.ContainsKey(key) && _series.Count >= maxSeries)
            {
                Refused++;
                return;
            }
            _series[key] = point;
        }
    }

    public IReadOnlyList<MetricPoint> Snapshot()
    {
        lock (_gate) return _series.Values.OrderBy(p => p.Service).ThenBy(p => p.Name).ThenBy(p => p.AttributeKey).ThenBy(p => p.Instance).ToArray();
    }
}
