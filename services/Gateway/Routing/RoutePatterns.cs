using System.Text;
using System.Text.RegularExpressions;

namespace Mesh.Gateway.Routing;

/// <summary>
/// google.api.http path templates as ASP.NET Core route patterns, so YARP's routing (and ASP.NET Core's precedence:
/// literal, then "{id}:verb", then "{id}", then catch-all, segment by segment) picks the route. The edge only needs
/// to know which route a request is for; the service's own JSON transcoding binds the values, so parameter names only
/// have to be unique. They follow the transcoder's shapes:
/// <code>
/// /v1/shelves/{shelf_id}              → /v1/shelves/{shelf_id}
/// /v1/{name=shelves/*/books/*}        → /v1/shelves/{name__2}/books/{name__4}
/// /v1/{name=loans/*}:cancel           → /v1/loans/{name__2}:cancel
/// /v1/archive/{path=**}               → /v1/archive/{**path}
/// /v1/{name=**}:undelete              → /v1/{**name:regex(:undelete$)}
/// </code>
/// </summary>
public static class RoutePatterns
{
    public static string From(PathTemplate template)
    {
        var parts = new List<string>(template.Segments.Count);
        var catchAll = false;
        for (var i = 0; i < template.Segments.Count; i++)
        {
            var segment = template.Segments[i];
            var variable = template.Variables.FirstOrDefault(v => i >= v.Start && i < v.End);
            var name = variable is null ? $"__any_{i}"
                : variable.End - variable.Start == 1 ? variable.FieldPath
                : $"{variable.FieldPath}__{i}";
            switch (segment.Kind)
            {
                case SegmentKind.Literal:
                    parts.Add(segment.Text!);
                    break;
                case SegmentKind.Wildcard:
                    parts.Add($"{{{name}}}");
                    break;
                case SegmentKind.DeepWildcard:
                    // "**" is always last (PathTemplate refuses it elsewhere). A verb after it cannot be a literal of a
                    // catch-all segment, so it becomes a constraint on the catch-all's value, as in the transcoder.
                    parts.Add(template.Verb is { } verb
                        ? $"{{**{name}:regex({Regex.Escape(":" + verb)}$)}}"
                        : $"{{**{name}}}");
                    catchAll = true;
                    break;
            }
        }
        var pattern = new StringBuilder("/").AppendJoin('/', parts);
        if (template.Verb is { } customVerb && !catchAll) pattern.Append(':').Append(customVerb);
        return pattern.ToString();
    }
}
