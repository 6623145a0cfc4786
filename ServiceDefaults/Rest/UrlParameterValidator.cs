using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Checks what the URL of a REST request binds, as the transcoder would bind it: each path variable's value against
/// its field, then every query parameter — which must name a field of the request (proto or lowerCamel name,
/// dotted for nested fields) that neither the path nor the body binds, at most once unless repeated, never a map or
/// a message, one field per oneof, each value of the field's kind. The transcoder would ignore an unknown
/// parameter and answer a bad value without naming it; here each is a 400 naming the parameter as sent.
/// </summary>
public static class UrlParameterValidator
{
    public static void ValidatePath(RestRoute route, RouteValueDictionary values)
    {
        foreach (var (path, field) in route.TypedPathVariables)
        {
            // A variable spanning several segments ("{name=shelves/*}") arrives under other keys and is a string field.
            if (values.TryGetValue(path, out var raw) && raw is string text) FieldValueParser.Parse(field, text, path);
        }
    }

    /// <summary>
    /// Checks the query string; returns it rewritten where the transcoder would read a value differently than the
    /// contract means it (a FieldMask in its JSON form, "durationMinutes,ageRating", which the transcoder would keep
    /// as written instead of turning into the proto paths "duration_minutes,age_rating"; bytes in URL-safe or unpadded
    /// base64, which the transcoder cannot decode), else null.
    /// </summary>
    public static IQueryCollection? ValidateQuery(RestRoute route, IQueryCollection query)
    {
        if (route.BodyIsWholeRequest || query.Count == 0) return null; // body "*": the transcoder binds nothing from the query
        HashSet<(string Parent, OneofDescriptor Oneof)>? oneofsSet = null;
        Dictionary<string, StringValues>? rewritten = null;
        foreach (var (key, values) in query)
        {
            var (fields, protoPath) = route.ResolveQuery(key)
                ?? throw RestInputException.BadField(key, $"unknown query parameter (not a field of {route.Request.FullName})");
            if (route.PathBoundFields.Any(p => FieldPaths.Covers(p, protoPath) || FieldPaths.Covers(protoPath, p)))
                throw RestInputException.BadField(key, "this field is bound by the URL path and cannot also be a query parameter");
            if (route.BodyField is { } bodyField && FieldPaths.Covers(bodyField.Name, protoPath))
                throw RestInputException.BadField(key, $"this field is bound by the request body ('{bodyField.JsonName}')");
            var last = fields[^1];
            if (last.IsMap)
                throw RestInputException.BadField(key, "a map field cannot be set from the query string; send it in the JSON body");
            if (last.IsRepeated)
            {
                foreach (var value in values)
                    FieldValueParser.Parse(last, value ?? "", key);
                if (last.FieldType == FieldType.Bytes && values.Any(v => ProtoJsonForms.StandardBase64(v ?? "") != v))
                    (rewritten ??= query.ToDictionary(q => q.Key, q => q.Value))[key] =
                        new StringValues([.. values.Select(v => ProtoJsonForms.StandardBase64(v ?? ""))]);
                continue;
            }
            if (values.Count > 1) throw RestInputException.BadField(key, "given more than once, but the field is not repeated");
            if (last.RealContainingOneof is { } oneof)
            {
                oneofsSet ??= [];
                var parent = protoPath.Length > last.Name.Length ? protoPath[..^(last.Name.Length + 1)] : "";
                if (!oneofsSet.Add((parent, oneof)))
                    throw RestInputException.BadField(key, $"another field of '{oneof.Name}' is already set");
            }
            var parsed = FieldValueParser.Parse(last, values.ToString(), key);
            if (parsed is FieldMask mask && string.Join(',', mask.Paths) is var protoPaths && protoPaths != values.ToString())
                (rewritten ??= query.ToDictionary(q => q.Key, q => q.Value))[key] = protoPaths;
            else if (parsed is ByteString && ProtoJsonForms.StandardBase64(values.ToString()) is var base64 && base64 != values.ToString())
                (rewritten ??= query.ToDictionary(q => q.Key, q => q.Value))[key] = base64; // URL-safe or unpadded
        }
        return rewritten is null ? null : new QueryCollection(rewritten);
    }
}
