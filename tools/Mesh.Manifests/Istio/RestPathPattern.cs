using System.Text;
using System.Text.RegularExpressions;

namespace Mesh.Manifests.Istio;

/// <summary>
/// A <c>google.api.http</c> path template as an RE2 regular expression for an Istio URI match:
/// <c>/v1/holds/{id}:watch</c> → <c>/v1/holds/[^/]+:watch</c>, <c>{name=users/*}</c> → <c>users/[^/]+</c>,
/// <c>**</c> → any rest of the path. A query string may follow.
/// </summary>
public static partial class RestPathPattern
{
    [GeneratedRegex(@"\{(?<name>[^}=]+)(=(?<pattern>[^}]+))?\}")]
    private static partial Regex Variable();

    public static string ToRegex(string template)
    {
        var regex = new StringBuilder();
        var at = 0;
        foreach (Match variable in Variable().Matches(template))
        {
            regex.Append(Literal(template[at..variable.Index]));
            regex.Append(variable.Groups["pattern"].Success ? Segments(variable.Groups["pattern"].Value) : "[^/]+");
            at = variable.Index + variable.Length;
        }
        regex.Append(Literal(template[at..]));
        return regex + @"(\?.*)?";
    }

    private static string Segments(string pattern) =>
        string.Join("/", pattern.Split('/').Select(s => s switch
        {
            "**" => ".+",
            "*" => "[^/]+",
            _ => Literal(s),
        }));

    /// <summary>Escapes what RE2 would read as an operator (the same set .NET escapes, which RE2 accepts).</summary>
    private static string Literal(string text) => Regex.Escape(text);
}
