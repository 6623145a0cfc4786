using System.Text;
using static Mesh.Hosting.Dashboard.Pages.Html;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>Every server, database, service and replica: kind, state, health, endpoints, restarts, uptime, start/stop/restart.</summary>
internal static class ResourcesPage
{
    public static string Render(IReadOnlyList<ResourceInstance> instances) =>
        Page("Resources", "/resources", "<div data-refresh=\"/resources/table\" data-interval=\"2000\">" + Table(instances) + "</div>");

    /// <summary>The table alone: the page re-fetches it every two seconds to stay live.</summary>
    public static string Table(IReadOnlyList<ResourceInstance> instances)
    {
        var now = DateTime.UtcNow;
        var sb = new StringBuilder("<table class=\"grid\" id=\"resources\"><thead><tr><th>Name</th><th>Kind</th><th>State</th><th>Health</th>" +
                                   "<th>Endpoints</th><th>Pid</th><th>Restarts</th><th>Uptime</th><th>Actions</th></tr></thead><tbody>");
        foreach (var i in instances)
        {
            var running = i.State == ResourceState.Running;
            sb.Append("<tr data-resource=\"").Append(E(i.DisplayName)).Append("\" data-state=\"").Append(i.State).Append("\" data-pid=\"").Append(i.Pid).Append("\">");
            sb.Append("<td><a href=\"/console/").Append(Q(i.DisplayName)).Append("\">").Append(E(i.DisplayName)).Append("</a></td>");
            sb.Append("<td>").Append(E(i.Kind)).Append("</td>");
            sb.Append("<td><span class=\"state ").Append(i.State.ToString().ToLowerInvariant()).Append("\">").Append(i.State).Append("</span>");
            if (i.StateDetail is not null) sb.Append("<div class=\"detail\">").Append(E(i.StateDetail)).Append("</div>");
            sb.Append("</td><td>").Append(Health(i)).Append("</td><td>");
            foreach (var (name, uri) in i.Endpoints)
            {
                var link = uri.Scheme is "http" or "https";
                sb.Append(link ? $"<a href=\"{E(uri.ToString())}\" target=\"_blank\">" : "<span>").Append(E(name)).Append(": ").Append(E(uri.ToString()))
                  .Append(link ? "</a> " : "</span> ");
            }
            sb.Append("</td><td>").Append(i.Pid).Append("</td><td class=\"num\">").Append(i.RestartCount).Append("</td><td>");
            if (running && i.StartedAt is { } started) sb.Append(Uptime(now - started));
            sb.Append("</td><td>");
            // Services, replicas and servers can be started, stopped and restarted; a database follows its server.
            if (i.Resource is not PostgresDatabaseResource)
            {
                var stopped = i.State is ResourceState.Exited or ResourceState.Failed or ResourceState.Stopped;
                Action(sb, i, "start", "Start", enabled: stopped);
                Action(sb, i, "stop", "Stop", enabled: !stopped && i.State != ResourceState.Stopping);
                Action(sb, i, "restart", "Restart", enabled: i.State != ResourceState.Stopping);
            }
            sb.Append("</td></tr>");
        }
        return sb.Append("</tbody></table>").ToString();
    }

    private static void Action(StringBuilder sb, ResourceInstance i, string verb, string label, bool enabled) =>
        sb.Append("<button class=\"").Append(verb).Append("\" data-action=\"/api/resources/").Append(Q(i.DisplayName)).Append('/').Append(verb).Append('"')
          .Append(enabled ? "" : " disabled").Append('>').Append(label).Append("</button> ");

    private static string Health(ResourceInstance i) => i.State switch
    {
        ResourceState.Running => "<span class=\"ok\">healthy</span>",
        ResourceState.Unhealthy or ResourceState.Failed => "<span class=\"bad\">unhealthy</span>",
        ResourceState.Exited => "<span class=\"bad\">down</span>",
        _ => "<span class=\"muted\">—</span>",
    };

    private static string Uptime(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m {t.Seconds}s" : $"{t.Seconds}s";
}
