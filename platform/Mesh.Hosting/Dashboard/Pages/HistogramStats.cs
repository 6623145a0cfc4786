using Mesh.Hosting.Dashboard.Storage;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>
/// Requests, errors and p50/p95/p99 per service and method from the duration histograms the services export over OTLP
/// (rpc.server.duration in ms from Mesh.Grpc, http.server.request.duration in s from ASP.NET Core). Each replica's
/// latest point is summed; percentiles are estimated inside the bucket that holds them (linear), so they are as fine
/// as the buckets. Cumulative histograms count since each process started.
/// </summary>
internal sealed record HistogramStats(string Service, string Method, string Instrument, ulong Count, ulong Errors, double P50, double P95, double P99, bool Cumulative)
{
    public double ErrorPercent => Count == 0 ? 0 : Errors * 100.0 / Count;

    public static IReadOnlyList<HistogramStats> From(IEnumerable<MetricPoint> points)
    {
        var rows = new List<HistogramStats>();
        var durations = points.Where(p => p.Kind == "histogram" && p.Bounds is not null && p.BucketCounts is not null && MethodOf(p) is not null);
        foreach (var g in durations.GroupBy(p => (p.Service, Method: MethodOf(p)!, p.Name)))
        {
            var scale = g.First().Unit == "s" ? 1000.0 : 1.0; // shown in ms like the span-derived numbers
            var bounds = g.First().Bounds!;
            var merged = new ulong[bounds.Count + 1];
            ulong count = 0, errors = 0;
            foreach (var p in g)
            {
                count += p.Count;
                if (IsError(p)) errors += p.Count;
                // Buckets merge only when laid out alike (the same instrument everywhere uses the same bounds).
                if (p.BucketCounts!.Count == merged.Length && p.Bounds!.SequenceEqual(bounds))
                    for (var i = 0; i < merged.Length; i++) merged[i] += p.BucketCounts[i];
            }
            rows.Add(new HistogramStats(g.Key.Service, g.Key.Method, g.Key.Name, count, errors,
                Percentile(bounds, merged, 0.50) * scale, Percentile(bounds, merged, 0.95) * scale, Percentile(bounds, merged, 0.99) * scale,
                g.All(p => p.Cumulative)));
        }
        return rows.OrderBy(r => r.Service).ThenBy(r => r.Method).ThenBy(r => r.Instrument).ToArray();
    }

    /// <summary>"package.Service/Method" for gRPC, "GET /route" for HTTP; null for other histograms.</summary>
    public static string? MethodOf(MetricPoint p) => p.Name switch
    {
        "rpc.server.duration" when p.Attribute("rpc.service") is { } svc && p.Attribute("rpc.method") is { } m => $"{svc}/{m}",
        "http.server.request.duration" when p.Attribute("http.request.method") is { } method => $"{method} {p.Attribute("http.route") ?? "(no route)"}",
        _ => null,
    };

    private static bool IsError(MetricPoint p) =>
        (p.Attribute("rpc.grpc.status_code") is { } grpc && grpc != "0")
        || (int.TryParse(p.Attribute("http.response.status_code"), out var http) && http >= 500);

    /// <summary>
    /// The value below which a fraction <paramref name="q"/> of the recorded values lie, interpolated inside its bucket
    /// (bucket i spans (bounds[i-1], bounds[i]]; the first starts at 0; the overflow bucket reports its lower bound).
    /// </summary>
    public static double Percentile(IReadOnlyList<double> bounds, IReadOnlyList<ulong> buckets, double q)
    {
        var total = buckets.Aggregate(0UL, (a, b) => a + b);
        if (total == 0) return 0;
        var rank = q * total;
        ulong seen = 0;
        for (var i = 0; i < buckets.Count; i++)
        {
            if (buckets[i] == 0) continue;
            if (seen + buckets[i] >= rank)
            {
                var lower = i == 0 ? 0 : bounds[i - 1];
                if (i >= bounds.Count) return lower;
                var upper = bounds[i];
                return lower + (upper - lower) * ((rank - seen) / buckets[i]);
            }
            seen += buckets[i];
        }
        return bounds.Count > 0 ? bounds[^1] : 0;
    }
}
