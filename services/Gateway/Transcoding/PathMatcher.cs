using System.Text;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// Matches a request path (still percent-encoded, split on '/') against a <see cref="PathTemplate"/> and decodes the
/// variables as http.proto says: a single-segment variable is fully percent-decoded; a multi-segment one is decoded
/// except "%2F"/"%2f", which stay encoded so the segments can still be told apart.
/// </summary>
public static class PathMatcher
{
    /// <summary>Splits the raw path ("/v1/a%2Fb/c:verb") into its encoded segments; null when it is not a path.</summary>
    public static string[]? Split(string rawPath)
    {
        if (rawPath.Length == 0 || rawPath[0] != '/') return null;
        return rawPath[1..].Split('/');
    }

    /// <summary>
    /// Tries the template against the segments. On success, returns the decoded value of each variable (in the
    /// template's variable order); null when it does not match.
    /// </summary>
    public static string[]? Match(PathTemplate template, string[] requestSegments)
    {
        var segments = requestSegments;
        if (template.Verb is { } verb)
        {
            // The verb is whatever follows the last ':' of the last segment.
            var last = segments[^1];
            var colon = last.LastIndexOf(':');
            if (colon < 0 || !string.Equals(last[(colon + 1)..], verb, StringComparison.Ordinal)) return null;
            segments = (string[])segments.Clone();
            segments[^1] = last[..colon];
        }

        var fixedCount = template.EndsWithDeepWildcard ? template.Segments.Count - 1 : template.Segments.Count;
        if (template.EndsWithDeepWildcard ? segments.Length < fixedCount : segments.Length != fixedCount) return null;

        for (var i = 0; i < fixedCount; i++)
        {
            var part = template.Segments[i];
            var actual = segments[i];
            switch (part.Kind)
            {
                case SegmentKind.Literal when !string.Equals(Decode(actual, keepSlash: false), part.Text, StringComparison.Ordinal):
                    return null;
                case SegmentKind.Wildcard when actual.Length == 0: // "*" matches exactly one non-empty segment
                    return null;
            }
        }

        var values = new string[template.Variables.Count];
        for (var v = 0; v < values.Length; v++)
        {
            var variable = template.Variables[v];
            var end = variable.End == template.Segments.Count && template.EndsWithDeepWildcard ? segments.Length : variable.End;
            values[v] = variable.IsMultiSegment(template.Segments)
                ? string.Join('/', segments[variable.Start..end].Select(s => Decode(s, keepSlash: true)))
                : Decode(segments[variable.Start], keepSlash: false);
        }
        return values;
    }

    /// <summary>Percent-decodes one segment as UTF-8; with <paramref name="keepSlash"/>, "%2F" stays as it is.</summary>
    public static string Decode(string segment, bool keepSlash)
    {
        if (!segment.Contains('%')) return segment;
        var bytes = new List<byte>(segment.Length);
        var run = 0; // start of the current run of plain characters
        for (var i = 0; i < segment.Length; i++)
        {
            if (segment[i] != '%' || i + 2 >= segment.Length || !IsHex(segment[i + 1]) || !IsHex(segment[i + 2])) continue;
            bytes.AddRange(Encoding.UTF8.GetBytes(segment[run..i]));
            var b = Convert.ToByte(segment.Substring(i + 1, 2), 16);
            if (keepSlash && b == (byte)'/') bytes.AddRange("%2F"u8.ToArray());
            else bytes.Add(b);
            i += 2;
            run = i + 1;
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(segment[run..]));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
