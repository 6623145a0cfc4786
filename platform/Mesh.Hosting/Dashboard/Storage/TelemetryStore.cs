namespace Mesh.Hosting.Dashboard.Storage;

/// <summary>Everything the OTLP receiver has accepted this session, each kind bounded by <see cref="DashboardOptions"/>.</summary>
public sealed class TelemetryStore(DashboardOptions options)
{
    public BoundedLog<SpanRecord> Spans { get; } = new(options.MaxSpans);
    public BoundedLog<StructuredLogRecord> Logs { get; } = new(options.MaxStructuredLogs);
    public MetricStore Metrics { get; } = new(options.MaxMetricSeries);

    /// <summary>Every span of one trace, in start order.</summary>
    public IReadOnlyList<SpanRecord> Trace(string traceId) =>
        Spans.Snapshot().Where(s => s.TraceId == traceId).OrderBy(s => s.StartUnixNano).ToArray();

    /// <summary>Traces seen, newest first, each summarised from the spans kept.</summary>
    public IReadOnlyList<TraceSummary> Traces() =>
        Spans.Snapshot().GroupBy(s => s.TraceId).Select(TraceSummary.From).OrderByDescending(t => t.Start).ToArray();
}

/// <summary>
/// A trace in the list: its root (or earliest) span, overall duration, services, errors, and whether it is only
/// background work: no request or message came in (no server or consumer span other than a health probe) — a poller's
/// queries, a health check's Redis PING or grpc.health.v1 call, each its own trace under the services' instrumentation.
/// </summary>
public sealed record TraceSummary(string TraceId, string RootName, string RootService, DateTime Start, double DurationMs,
    int SpanCount, IReadOnlyList<string> Services, bool HasError, bool IsBackground = false)
{
    /// <summary>True for a span of an inbound request or message that is not a health probe.</summary>
    public static bool IsInbound(SpanRecord span) =>
        span.Kind is "server" or "consumer"
        && span.GrpcMethod?.StartsWith("grpc.health.v1.Health/", StringComparison.Ordinal) != true
        && span.Attribute("http.route") is not ("/health" or "/alive");

    public static TraceSummary From(IGrouping<string, SpanRecord> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.StartUnixNano)
                   ?? spans.MinBy(s => s.StartUnixNano)!;
        var start = spans.Min(s => s.StartUnixNano);
        var end = spans.Max(s => s.EndUnixNano);
        return new TraceSummary(spans.Key, root.DisplayName, root.Service, DateTime.UnixEpoch.AddTicks((long)(start / 100)),
            end > start ? (end - start) / 1_000_000.0 : 0, spans.Count(),
            spans.Select(s => s.Service).Distinct().Order().ToArray(), spans.Any(s => s.IsError), !spans.Any(IsInbound));
    }
}
