using System.Text;
using static Mesh.Hosting.Dashboard.Pages.Html;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>One resource's console output; the script follows new lines live (Server-Sent Events), pauses and filters.</summary>
internal static class ConsolePage
{
    public static string Render(IReadOnlyCollection<string> resources, string? selected)
    {
        var sb = new StringBuilder("<form class=\"filters\" method=\"get\" action=\"/console\"><label>Resource <select name=\"resource\" onchange=\"this.form.submit()\">")
            .Append(Options(resources, selected, "(choose)")).Append("</select></label>");
        if (selected is not null)
            sb.Append("<label>Search <input type=\"search\" id=\"console-search\" placeholder=\"filter lines\"></label>")
              .Append("<button type=\"button\" id=\"console-pause\">Pause</button>");
        sb.Append("</form>");
        if (selected is not null)
            sb.Append("<p class=\"muted\" id=\"console-status\">connecting…</p><pre id=\"console\" class=\"console\" data-stream=\"/api/console/")
              .Append(Q(selected)).Append("/stream\"></pre>");
        return Page(selected is null ? "Console logs" : $"Console — {selected}", "/console", sb.ToString());
    }
}
