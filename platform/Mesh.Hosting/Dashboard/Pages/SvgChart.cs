using System.Globalization;
using System.Text;
using static Mesh.Hosting.Dashboard.Pages.Html;

namespace Mesh.Hosting.Dashboard.Pages;

/// <summary>A small inline SVG line chart: no script, no library, renders offline.</summary>
internal static class SvgChart
{
    private const int Width = 420, Height = 120, Pad = 28;

    public static string Lines(string title, string unit, IReadOnlyList<(string Name, double[] Values)> series)
    {
        var max = Math.Max(1e-9, series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        var points = series.Count == 0 ? 0 : series.Max(s => s.Values.Length);
        var sb = new StringBuilder("<figure class=\"chart\"><figcaption>").Append(E(title)).Append("</figcaption>")
            .Append($"<svg viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\">")
            .Append($"<line x1=\"{Pad}\" y1=\"{Height - Pad / 2}\" x2=\"{Width}\" y2=\"{Height - Pad / 2}\" class=\"axis\"/>")
            .Append($"<text x=\"2\" y=\"12\" class=\"tick\">{E(N(max))} {E(unit)}</text><text x=\"2\" y=\"{Height - Pad / 2}\" class=\"tick\">0</text>");
        for (var i = 0; i < series.Count; i++)
        {
            var values = series[i].Values;
            var path = new StringBuilder();
            for (var x = 0; x < values.Length; x++)
            {
                var px = Pad + (points <= 1 ? 0 : x * (Width - Pad - 4) / (double)(points - 1));
                var py = Height - Pad / 2 - values[x] / max * (Height - Pad);
                path.Append(x == 0 ? 'M' : 'L').Append(px.ToString("0.#", CultureInfo.InvariantCulture)).Append(',').Append(py.ToString("0.#", CultureInfo.InvariantCulture));
            }
            sb.Append("<path class=\"line c").Append(i % 8).Append("\" d=\"").Append(path).Append("\"><title>").Append(E(series[i].Name)).Append("</title></path>");
        }
        sb.Append("</svg><div class=\"legend\">");
        for (var i = 0; i < series.Count; i++) sb.Append("<span class=\"svc c").Append(i % 8).Append("\">").Append(E(series[i].Name)).Append("</span> ");
        return sb.Append("</div></figure>").ToString();
    }
}
