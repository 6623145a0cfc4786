using Mesh.Hosting.Dashboard.Storage;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>
/// Request rate, error rate and latency percentiles per service and method, computed from the server spans kept
/// (every inbound HTTP/gRPC request has one), so the numbers line up exactly with the traces page.
/// </summary>
internal sealed record RequestStats(string Service, string Method, int Count, int Errors, double RatePerSecond, double P50, double P95, double P99)
{
    public double ErrorPercent => Count == 0 ? 0 : Errors * 100.0 / Count;

    public static IReadOnlyList<SpanRecord> ServerSpans(TelemetryStore store, DateTime since) =>
        store.Spans.Snapshot().Where(s => s.Kind == "server" && s.StartTime >= since).ToArray();

    /// <summary>"package.Service/Method" for a gRPC call, "GET /route" for HTTP, else the span's name.</summary>
    public static string MethodOf(SpanRecord span) =>
        span.GrpcMethod is { } grpc ? grpc
        : span.Attribute("http.route") is { } route ? $"{span.Attribute("http.request.method") ?? ""} {route}".Trim()
        : span.Name;

    public static IReadOnlyList<RequestStats> By(IEnumerable<SpanRecord> spans, Func<SpanRecord, string> method, TimeSpan window) =>
        spans.GroupBy(s => (s.Service, Method: method(s))).Select(g =>
        {
            var durations = g.Select(s => s.DurationMs).Order().ToArray();
            return new RequestStats(g.Key.Service, g.Key.Method, durations.Length, g.Count(s => s.IsError), durations.Length / window.TotalSeconds,
                Percentile(durations, 0.50), Percentile(durations, 0.95), Percentile(durations, 0.99));
        }).OrderBy(r => r.Service).ThenBy(r => r.Method).ToArray();

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return 0;
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
