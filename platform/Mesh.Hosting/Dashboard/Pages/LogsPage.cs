using System.Text;
using Mesh.Hosting.Dashboard.Storage;
using static Mesh.Hosting.Dashboard.Pages.Html;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>Structured logs received over OTLP, newest first, filtered by resource, minimum level, trace id and text.</summary>
internal static class LogsPage
{
    private static readonly (string Name, int Min)[] Levels = [("Trace", 1), ("Debug", 5), ("Information", 9), ("Warning", 13), ("Error", 17), ("Critical", 21)];

    /// <summary>A CSS class from a fixed set: the level text comes from whoever sent the log, so it never reaches the markup.</summary>
    private static string LevelClass(string level) =>
        Levels.FirstOrDefault(l => l.Name.Equals(level, StringComparison.OrdinalIgnoreCase)).Name?.ToLowerInvariant() ?? "other";
    private const int PageSize = 500;

    public static string Render(TelemetryStore store, string? resource, string? level, string? traceId, string? text)
    {
        var all = store.Logs.Snapshot();
        var min = Levels.FirstOrDefault(l => l.Name == level).Min;
        var shown = all.Reverse()
            .Where(l => string.IsNullOrEmpty(resource) || l.Service == resource || l.Instance == resource)
            .Where(l => l.SeverityNumber >= min)
            .Where(l => string.IsNullOrEmpty(traceId) || l.TraceId == traceId.Trim().ToLowerInvariant())
            .Where(l => string.IsNullOrEmpty(text) || l.Message.Contains(text, StringComparison.OrdinalIgnoreCase) || l.Category.Contains(text, StringComparison.OrdinalIgnoreCase))
            .Take(PageSize).ToArray();

        var sb = new StringBuilder("<form class=\"filters\" method=\"get\" action=\"/logs\">")
            .Append("<label>Resource <select name=\"resource\">").Append(Options(all.Select(l => l.Service).Distinct().Order(), resource, "(all)")).Append("</select></label>")
            .Append("<label>Level ≥ <select name=\"level\">").Append(Options(Levels.Select(l => l.Name), level, "(any)")).Append("</select></label>")
            .Append("<label>Trace id <input name=\"traceId\" value=\"").Append(E(traceId)).Append("\" size=\"34\"></label>")
            .Append("<label>Text <input type=\"search\" name=\"q\" value=\"").Append(E(text)).Append("\"></label>")
            .Append("<button>Filter</button></form>")
            .Append("<p class=\"muted\">").Append(shown.Length).Append(" shown of ").Append(all.Count).Append(" kept")
            .Append(store.Logs.Dropped > 0 ? $" ({store.Logs.Dropped} older dropped)" : "").Append(".</p>")
            .Append("<table class=\"grid\" id=\"logs\"><thead><tr><th>Time</th><th>Resource</th><th>Level</th><th>Category</th><th>Message</th><th>Trace</th></tr></thead><tbody>");
        foreach (var l in shown)
        {
            sb.Append("<tr class=\"level-").Append(LevelClass(l.Level)).Append("\"><td class=\"time\">").Append(l.Time.ToString("HH:mm:ss.fff")).Append("</td><td>")
              .Append(E(l.Instance ?? l.Service)).Append("</td><td>").Append(E(l.Level)).Append("</td><td>").Append(E(l.Category)).Append("</td><td class=\"message\">")
              .Append(E(l.Message)).Append("</td><td>");
            if (l.TraceId is not null) sb.Append("<a href=\"/traces/").Append(E(l.TraceId)).Append("\">").Append(E(l.TraceId[..Math.Min(8, l.TraceId.Length)])).Append("</a>");
            sb.Append("</td></tr>");
        }
        return Page("Structured logs", "/logs", sb.Append("</tbody></table>").ToString());
    }
}
