using System.Text;
using Mesh.Hosting.Dashboard.Storage;
using static Mesh.Hosting.Dashboard.Pages.Html;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>One trace as a waterfall: spans in call-tree order, each bar placed on the trace's time line.</summary>
internal static class TraceDetailPage
{
    public static string Render(TelemetryStore store, string traceId)
    {
        var spans = store.Trace(traceId);
        if (spans.Count == 0)
            return Page("Trace not found", "/traces", $"<p>No spans of trace <code>{E(traceId)}</code> are kept (not received yet, or dropped).</p>");

        var start = spans.Min(s => s.StartUnixNano);
        var total = Math.Max(1UL, spans.Max(s => s.EndUnixNano) - start);
        var services = spans.Select(s => s.Service).Distinct().ToList();
        var sb = new StringBuilder("<p class=\"muted\">Trace <code>").Append(E(traceId)).Append("</code> · ").Append(spans.Count).Append(" spans · ")
            .Append(E(string.Join(", ", services))).Append(" · ").Append(Ms(total / 1_000_000.0))
            .Append(" · <a href=\"/logs?traceId=").Append(Q(traceId)).Append("\">logs of this trace</a></p>")
            .Append("<div class=\"waterfall\" id=\"waterfall\">");
        foreach (var (span, depth) in TreeOrder(spans))
        {
            var left = (span.StartUnixNano - start) * 100.0 / total;
            var width = Math.Max(0.3, (span.EndUnixNano - span.StartUnixNano) * 100.0 / total);
            var colour = services.IndexOf(span.Service) % 8;
            sb.Append("<div class=\"span-row").Append(span.IsError ? " error" : "").Append("\" data-service=\"").Append(E(span.Service)).Append("\" title=\"")
              .Append(E(string.Join("\n", span.Attributes.Select(a => $"{a.Key} = {a.Value}")))).Append("\">")
              .Append("<div class=\"span-label\" style=\"padding-left:").Append(depth * 14).Append("px\"><span class=\"svc c").Append(colour).Append("\">")
              .Append(E(span.Service)).Append("</span> ").Append(E(span.DisplayName)).Append(" <span class=\"muted\">").Append(span.Kind).Append("</span></div>")
              .Append("<div class=\"span-track\"><div class=\"span-bar c").Append(colour).Append("\" style=\"left:").Append(N(left)).Append("%;width:").Append(N(width)).Append("%\"></div></div>")
              .Append("<div class=\"span-dur\">").Append(Ms(span.DurationMs)).Append("</div></div>");
        }
        return Page("Trace", "/traces", sb.Append("</div>").ToString());
    }

    /// <summary>Depth-first from the roots (spans whose parent is not kept), children by start time.</summary>
    private static IEnumerable<(SpanRecord Span, int Depth)> TreeOrder(IReadOnlyList<SpanRecord> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var children = spans.Where(s => s.ParentSpanId is not null && ids.Contains(s.ParentSpanId))
            .GroupBy(s => s.ParentSpanId!).ToDictionary(g => g.Key, g => g.OrderBy(s => s.StartUnixNano).ToList());
        var stack = new Stack<(SpanRecord, int)>();
        foreach (var root in spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderByDescending(s => s.StartUnixNano))
            stack.Push((root, 0));
        var seen = new HashSet<string>();
        while (stack.Count > 0)
        {
            var (span, depth) = stack.Pop();
            if (!seen.Add(span.SpanId)) continue; // a malformed trace cannot loop us
            yield return (span, depth);
            if (children.TryGetValue(span.SpanId, out var kids))
                for (var i = kids.Count - 1; i >= 0; i--) stack.Push((kids[i], depth + 1));
        }
    }
}
