using System.Text.Json.Nodes;

namespace Mesh.Gateway.Docs;

/// <summary>
/// One OpenAPI document out of the services' own (each describes its REST routes, from its JSON transcoding):
/// their paths, component definitions and tags side by side under the edge's title. Schema ids are full proto names,
/// so a type two services share (google.protobuf.Timestamp) is one definition. The services' servers are dropped (the
/// edge is the one server), a document-wide security requirement moves onto that document's operations, and an
/// operationId two services both use is qualified with the service's name. OpenAPI allows one path per template, but
/// two rules may bind the same template through different fields ("/v1/shelves/{shelfId}" and "/v1/shelves/{shelf.id}"):
/// such paths become one, the later operations taking the first one's parameter names. Services whose document could
/// not be fetched are listed under <c>x-mesh-missing-upstreams</c>.
/// </summary>
public static partial class OpenApiMerger
{
    private static readonly HashSet<string> Verbs = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    public static JsonObject Merge(IReadOnlyList<(string Service, JsonObject Document)> documents, IReadOnlyList<string> missing)
    {
        var paths = new JsonObject();
        var components = new JsonObject();
        var tags = new JsonArray();
        var tagNames = new HashSet<string>(StringComparer.Ordinal);
        var operationIds = new HashSet<string>(StringComparer.Ordinal);
        var pathBySignature = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var (service, document) in documents)
        {
            var documentSecurity = document["security"];
            foreach (var (documentPath, item) in document["paths"] as JsonObject ?? [])
            {
                if (item is not JsonObject operations) continue;
                var signature = ParameterName().Replace(documentPath, "{}");
                var path = pathBySignature.TryAdd(signature, documentPath) ? documentPath : pathBySignature[signature];
                var renames = Renames(documentPath, path);
                if (paths[path] is not JsonObject merged) paths[path] = merged = new JsonObject();
                foreach (var (key, value) in operations)
                {
                    if (merged.ContainsKey(key) || value is null) continue; // one path and verb twice: the route table forbids it
                    var copy = value.DeepClone();
                    if (renames.Count > 0) RenamePathParameters(copy, renames);
                    if (Verbs.Contains(key) && copy is JsonObject operation)
                    {
                        if (documentSecurity is not null && !operation.ContainsKey("security")) operation["security"] = documentSecurity.DeepClone();
                        if (operation["operationId"]?.GetValue<string>() is { } id && !operationIds.Add(id))
                            operationIds.Add((string)(operation["operationId"] = $"{service}_{id}")!);
                    }
                    merged[key] = copy;
                }
            }
            foreach (var (kind, definitions) in document["components"] as JsonObject ?? [])
            {
                if (definitions is not JsonObject byName) continue;
                if (components[kind] is not JsonObject merged) components[kind] = merged = new JsonObject();
                foreach (var (name, definition) in byName)
                    if (!merged.ContainsKey(name)) merged[name] = definition?.DeepClone();
            }
            foreach (var tag in document["tags"] as JsonArray ?? [])
                if (tag?["name"]?.GetValue<string>() is { } name && tagNames.Add(name)) tags.Add(tag.DeepClone());
        }

        var result = new JsonObject
        {
            ["openapi"] = documents.Select(d => d.Document["openapi"]?.GetValue<string>()).FirstOrDefault(v => v is not null) ?? "3.0.1",
            ["info"] = new JsonObject
            {
                ["title"] = "Mesh REST API",
                ["version"] = "v1",
                ["description"] = "Every REST route of the mesh, served through its edge. Send a bearer token (POST /v1/sessions) to the routes that require one.",
            },
            ["paths"] = paths,
            ["components"] = components,
        };
        if (tags.Count > 0) result["tags"] = tags;
        if (missing.Count > 0) result["x-mesh-missing-upstreams"] = new JsonArray([.. missing.Select(m => (JsonNode)m)]);
        return result;
    }

    /// <summary>Parameter names of <paramref name="from"/> that differ from those at the same place in <paramref name="to"/>.</summary>
    private static Dictionary<string, string> Renames(string from, string to)
    {
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        if (from == to) return renames;
        var fromNames = ParameterName().Matches(from).Select(m => m.Groups[1].Value).ToList();
        var toNames = ParameterName().Matches(to).Select(m => m.Groups[1].Value).ToList();
        for (var i = 0; i < fromNames.Count; i++)
            if (fromNames[i] != toNames[i]) renames[fromNames[i]] = toNames[i];
        return renames;
    }

    /// <summary>Renames the path parameters of a path item's entry (an operation, or the item's own parameter list).</summary>
    private static void RenamePathParameters(JsonNode entry, Dictionary<string, string> renames)
    {
        var parameters = entry as JsonArray ?? entry["parameters"] as JsonArray;
        foreach (var parameter in parameters ?? [])
            if (parameter?["in"]?.GetValue<string>() == "path" && parameter["name"]?.GetValue<string>() is { } name && renames.TryGetValue(name, out var renamed))
                parameter["name"] = renamed;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\{([^}]*)\}")]
    private static partial System.Text.RegularExpressions.Regex ParameterName();
}
