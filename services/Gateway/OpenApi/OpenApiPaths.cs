using System.Text;
using Mesh.Gateway.Transcoding;

namespace Mesh.Gateway.OpenApi;

/// <summary>
/// Renders a path template as an OpenAPI path. OpenAPI parameters are single segments, so a pattern variable is
/// expanded into its segments: {name=shelves/*/books/*} becomes /shelves/{shelf}/books/{book} (each wildcard named
/// after the collection before it), which also gives methods over the same resource the same OpenAPI path.
/// A "**" variable stays one parameter ({path}); clients send its slashes as they are.
/// </summary>
public static class OpenApiPaths
{
    public static readonly HashSet<string> StandardVerbs = ["get", "put", "post", "delete", "patch", "options", "head", "trace"];

    /// <summary>The OpenAPI path and, for each path parameter, its name and the template variable it fills.</summary>
    public static (string Path, List<(string Name, int Variable)> Parameters) Render(HttpRoute route)
    {
        var template = route.Template;
        var builder = new StringBuilder();
        var parameters = new List<(string, int)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < template.Segments.Count; i++)
        {
            builder.Append('/');
            var segment = template.Segments[i];
            if (segment.Kind == SegmentKind.Literal) { builder.Append(segment.Text); continue; }
            var variable = template.Variables.Select((v, index) => (v, index)).FirstOrDefault(x => x.v.Start <= i && i < x.v.End);
            string name;
            if (variable.v is null) name = $"segment{i}";
            else if (variable.v.End - variable.v.Start == 1 || segment.Kind == SegmentKind.DeepWildcard) name = variable.v.FieldPath.Replace('.', '_');
            else name = i > 0 && template.Segments[i - 1].Kind == SegmentKind.Literal ? Singular(template.Segments[i - 1].Text!) : $"{variable.v.FieldPath.Replace('.', '_')}_{i}";
            // A single variable after a collection literal is named after it too, so /shelves/{shelf_id} and /shelves/{shelf.id} agree.
            if (variable.v is not null && variable.v.End - variable.v.Start == 1 && segment.Kind == SegmentKind.Wildcard
                && i > 0 && template.Segments[i - 1].Kind == SegmentKind.Literal)
                name = Singular(template.Segments[i - 1].Text!);
            while (!used.Add(name)) name += "_";
            builder.Append('{').Append(name).Append('}');
            if (variable.v is not null) parameters.Add((name, variable.index));
        }
        if (template.Verb is { } verb) builder.Append(':').Append(verb);
        return (builder.ToString(), parameters);
    }

    /// <summary>"shelves" → "shelf", "books" → "book", "categories" → "category"; anything else → "{it}_id".</summary>
    private static string Singular(string collection) =>
        collection.EndsWith("ies", StringComparison.Ordinal) ? collection[..^3] + "y"
        : collection.EndsWith("ves", StringComparison.Ordinal) ? collection[..^3] + "f"
        : collection.EndsWith('s') && collection.Length > 1 ? collection[..^1]
        : collection + "_id";
}
