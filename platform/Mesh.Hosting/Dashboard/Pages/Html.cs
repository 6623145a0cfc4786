using System.Globalization;
using System.Net;
using System.Text;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>The page frame (navigation, stylesheet, script) and encoding helpers shared by every page.</summary>
internal static class Html
{
    private static readonly (string Href, string Title)[] Navigation =
    [
        ("/resources", "Resources"), ("/console", "Console"), ("/logs", "Structured logs"), ("/traces", "Traces"), ("/metrics", "Metrics"),
    ];

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A query-string value, encoded.</summary>
    public static string Q(string? text) => Uri.EscapeDataString(text ?? "");

    public static string Ms(double ms) => ms >= 1000 ? (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s" : ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    public static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Page(string title, string active, string body)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append(" — Mesh</title>");
        sb.Append("<link rel=\"stylesheet\" href=\"/assets/dashboard.css\"><script src=\"/assets/dashboard.js\" defer></script></head><body>");
        sb.Append("<header><span class=\"brand\">Mesh</span><nav>");
        foreach (var (href, name) in Navigation)
            sb.Append("<a href=\"").Append(href).Append('"').Append(href == active ? " class=\"active\"" : "").Append('>').Append(name).Append("</a>");
        sb.Append("</nav></header><main><h1>").Append(E(title)).Append("</h1>").Append(body).Append("</main></body></html>");
        return sb.ToString();
    }

    public static string Options(IEnumerable<string> values, string? selected, string allLabel)
    {
        var sb = new StringBuilder("<option value=\"\">").Append(E(allLabel)).Append("</option>");
        foreach (var v in values)
            sb.Append("<option value=\"").Append(E(v)).Append('"').Append(v == selected ? " selected" : "").Append('>').Append(E(v)).Append("</option>");
        return sb.ToString();
    }
}
