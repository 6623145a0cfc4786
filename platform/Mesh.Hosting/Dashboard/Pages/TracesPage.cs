using System.Text;
using Mesh.Hosting.Dashboard.Storage;
using static Mesh.Hosting.Dashboard.Pages.Html;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>
/// Traces newest first with duration, services and status; filtered by service and errors only. Traces of background
/// work alone (<see cref="TraceSummary.IsBackground"/>: pollers, health checks) are left out unless asked for: the
/// services trace every database query and probe, and those would bury the requests people look for.
/// </summary>
internal static class TracesPage
{
    private const int PageSize = 300;

    public static string Render(TelemetryStore store, string? service, bool errorsOnly, bool background = false)
    {
        var traces = store.Traces();
        var matching = traces.Where(t => string.IsNullOrEmpty(service) || t.Services.Contains(service))
            .Where(t => !errorsOnly || t.HasError).ToArray();
        var hidden = background ? 0 : matching.Count(t => t.IsBackground);
        var shown = matching.Where(t => background || !t.IsBackground).Take(PageSize).ToArray();
        var sb = new StringBuilder("<form class=\"filters\" method=\"get\" action=\"/traces\">")
            .Append("<label>Service <select name=\"service\">").Append(Options(traces.SelectMany(t => t.Services).Distinct().Order(), service, "(all)")).Append("</select></label>")
            .Append("<label><input type=\"checkbox\" name=\"errors\" value=\"1\"").Append(errorsOnly ? " checked" : "").Append("> errors only</label>")
            .Append("<label><input type=\"checkbox\" name=\"background\" value=\"1\"").Append(background ? " checked" : "")
            .Append("> background work (no inbound request: polling queries, health checks)</label>")
            .Append("<button>Filter</button></form>")
            .Append(hidden == 0 ? "" : $"<p class=\"muted\" id=\"background-hidden\">{hidden} traces of background work alone are hidden.</p>")
            .Append("<table class=\"grid\" id=\"traces\"><thead><tr><th>Start</th><th>Name</th><th>Services</th><th>Spans</th><th>Duration</th><th>Status</th></tr></thead><tbody>");
        var longest = shown.Length == 0 ? 1 : Math.Max(1, shown.Max(t => t.DurationMs));
        foreach (var t in shown)
        {
            sb.Append("<tr data-trace=\"").Append(t.TraceId).Append("\"><td class=\"time\">").Append(t.Start.ToString("HH:mm:ss.fff")).Append("</td>")
              .Append("<td><a href=\"/traces/").Append(t.TraceId).Append("\">").Append(E(t.RootService)).Append(": ").Append(E(t.RootName)).Append("</a></td>")
              .Append("<td>").Append(E(string.Join(", ", t.Services))).Append("</td><td class=\"num\">").Append(t.SpanCount).Append("</td>")
              .Append("<td><div class=\"durbar\"><span style=\"width:").Append(N(Math.Max(1, t.DurationMs / longest * 100))).Append("%\"></span></div>").Append(Ms(t.DurationMs)).Append("</td>")
              .Append("<td>").Append(t.HasError ? "<span class=\"bad\">error</span>" : "<span class=\"ok\">ok</span>").Append("</td></tr>");
        }
        return Page("Traces", "/traces", sb.Append("</tbody></table>").ToString());
    }
}
