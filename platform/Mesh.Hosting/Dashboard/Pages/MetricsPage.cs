using System.Text;
using Mesh.Hosting.Dashboard.Storage;
using static Mesh.Hosting.Dashboard.Pages.Html;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>
/// Charts of request rate, error rate and p50/p95/p99 per service (per method once a service is chosen) over the last
/// five minutes (10 s buckets) from server spans; per-method tables from those spans and from the exported OTLP duration
/// histograms, each labelled with its source; and the latest value of every instrument the services export.
/// </summary>
internal static class MetricsPage
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Bucket = TimeSpan.FromSeconds(10);

    public static string Render(TelemetryStore store, string? service)
    {
        var now = DateTime.UtcNow;
        var since = now - Window;
        var spans = RequestStats.ServerSpans(store, since).Where(s => string.IsNullOrEmpty(service) || s.Service == service).ToArray();
        var buckets = (int)(Window / Bucket);
        // All services: one line per service. One service: one line per method, so its methods can be compared.
        var perMethod = !string.IsNullOrEmpty(service);
        var byService = spans.GroupBy(s => perMethod ? RequestStats.MethodOf(s) : s.Service).OrderBy(g => g.Key).Take(8).ToArray();

        double[] Series(IEnumerable<SpanRecord> group, Func<SpanRecord[], double> measure) =>
            Enumerable.Range(0, buckets).Select(b =>
            {
                var from = since + b * Bucket;
                var inBucket = group.Where(s => s.StartTime >= from && s.StartTime < from + Bucket).ToArray();
                return measure(inBucket);
            }).ToArray();

        var sb = new StringBuilder("<form class=\"filters\" method=\"get\" action=\"/metrics\"><label>Service <select name=\"service\" onchange=\"this.form.submit()\">")
            .Append(Options(store.Spans.Snapshot().Select(s => s.Service).Distinct().Order(), service, "(all)")).Append("</select></label></form>")
            .Append("<p class=\"muted\" id=\"metrics-source\">Charts and the first table: inbound requests computed from the <b>server spans</b> received, ")
            .Append(perMethod ? "per method" : "per service (choose one for its methods)").Append(", last 5 minutes in 10 s buckets. ")
            .Append("The second table: the <b>OTLP duration histograms</b> the services export (").Append(string.Join(", ", HistogramStats.Instruments))
            .Append(": every HTTP request and gRPC call a service served; it carries no gRPC status, so a gRPC method's errors are counted in the first table).</p><div class=\"charts\">")
            .Append(SvgChart.Lines("Request rate", "req/s", byService.Select(g => (g.Key, Series(g, b => b.Length / Bucket.TotalSeconds))).ToArray()))
            .Append(SvgChart.Lines("Error rate", "%", byService.Select(g => (g.Key, Series(g, b => b.Length == 0 ? 0 : b.Count(s => s.IsError) * 100.0 / b.Length))).ToArray()));
        foreach (var g in byService)
            sb.Append(SvgChart.Lines($"{g.Key} latency p50 / p95 / p99", "ms",
            [
                ("p50", Series(g, b => RequestStats.Percentile(b.Select(s => s.DurationMs).Order().ToArray(), 0.50))),
                ("p95", Series(g, b => RequestStats.Percentile(b.Select(s => s.DurationMs).Order().ToArray(), 0.95))),
                ("p99", Series(g, b => RequestStats.Percentile(b.Select(s => s.DurationMs).Order().ToArray(), 0.99))),
            ]));
        sb.Append("</div><h2>Per method — from server spans (last 5 minutes)</h2><table class=\"grid\" id=\"methods\"><thead><tr><th>Service</th><th>Method</th><th>Requests</th><th>Rate</th>" +
                  "<th>Errors</th><th>p50</th><th>p95</th><th>p99</th></tr></thead><tbody>");
        foreach (var r in RequestStats.By(spans, RequestStats.MethodOf, Window))
            sb.Append("<tr><td>").Append(E(r.Service)).Append("</td><td>").Append(E(r.Method)).Append("</td><td class=\"num\">").Append(r.Count)
              .Append("</td><td class=\"num\">").Append(N(r.RatePerSecond)).Append("/s</td><td class=\"num\">").Append(N(r.ErrorPercent)).Append("%</td><td class=\"num\">")
              .Append(Ms(r.P50)).Append("</td><td class=\"num\">").Append(Ms(r.P95)).Append("</td><td class=\"num\">").Append(Ms(r.P99)).Append("</td></tr>");
        var histograms = HistogramStats.From(store.Metrics.Snapshot().Where(p => string.IsNullOrEmpty(service) || p.Service == service));
        sb.Append("</tbody></table><h2>Per method — from OTLP histograms</h2>");
        if (histograms.Count == 0)
            sb.Append("<p class=\"muted\">No duration histograms received yet (services export them every second under the app host).</p>");
        sb.Append("<table class=\"grid\" id=\"histograms\"><thead><tr><th>Service</th><th>Method</th><th>Instrument</th><th>Requests</th>" +
                  "<th>Errors</th><th>p50</th><th>p95</th><th>p99</th><th>Counted</th></tr></thead><tbody>");
        foreach (var h in histograms)
            sb.Append("<tr><td>").Append(E(h.Service)).Append("</td><td>").Append(E(h.Method)).Append("</td><td class=\"muted\">").Append(E(h.Instrument))
              .Append("</td><td class=\"num\">").Append(h.Count).Append("</td><td class=\"num\">")
              .Append(h.ErrorsKnown ? N(h.ErrorPercent) + "%" : "<span class=\"muted\" title=\"the gRPC status is not among the instrument's attributes\">n/a</span>")
              .Append("</td><td class=\"num\">")
              .Append(Ms(h.P50)).Append("</td><td class=\"num\">").Append(Ms(h.P95)).Append("</td><td class=\"num\">").Append(Ms(h.P99))
              .Append("</td><td class=\"muted\">").Append(h.Cumulative ? "since process start" : "last export interval").Append("</td></tr>");
        sb.Append("</tbody></table><h2>Instruments (latest point)</h2><table class=\"grid\" id=\"instruments\"><thead><tr><th>Service</th><th>Name</th><th>Attributes</th>" +
                  "<th>Kind</th><th>Value</th><th>Count</th></tr></thead><tbody>");
        foreach (var p in store.Metrics.Snapshot().Where(p => string.IsNullOrEmpty(service) || p.Service == service).Take(1000))
            sb.Append("<tr><td>").Append(E(p.Service)).Append("</td><td>").Append(E(p.Name)).Append("</td><td class=\"muted\">").Append(E(p.AttributeKey))
              .Append("</td><td>").Append(p.Kind).Append("</td><td class=\"num\">").Append(N(p.Value)).Append(' ').Append(E(p.Unit))
              .Append(p.Kind == "histogram" ? " (mean)" : "").Append("</td><td class=\"num\">").Append(p.Kind == "histogram" ? p.Count.ToString() : "").Append("</td></tr>");
        return Page("Metrics", "/metrics", sb.Append("</tbody></table>").ToString());
    }
}
