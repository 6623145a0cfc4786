using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;
using Mesh.Gateway.Policy;
using Mesh.Gateway.Transcoding;

namespace Mesh.Gateway.OpenApi;

/// <summary>
/// The OpenAPI 3.0 document of every REST route, generated from the same route table the edge serves: paths with
/// their path and query parameters, request and response schemas from the messages and enums, proto comments as
/// descriptions, bearer auth on every method that is not public. Built once; deterministic (sorted), so it can be
/// compared with a golden file.
/// </summary>
public sealed class OpenApiDocument
{
    private readonly Lazy<string> _json;

    public OpenApiDocument(GatewayServices services, RouteTable routes, EdgeAuthentication auth, string? descriptorSets)
    {
        _json = new Lazy<string>(() => new Builder(routes, auth, ProtoComments.Load(descriptorSets)).Build(services)
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public string Json => _json.Value;

    /// <summary>Builds the document ahead of the first request; a failure is left for that request to report.</summary>
    public void Prepare()
    {
        try { _ = _json.Value; }
        catch (Exception) { /* the Lazy keeps the exception: GET /openapi.json answers 500 with it, as without this */ }
    }

    private sealed class Builder(RouteTable routes, EdgeAuthentication auth, ProtoComments comments)
    {
        private readonly SchemaBuilder _schemas = new(comments);

        public JsonObject Build(GatewayServices services)
        {
            var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            var operationIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var route in routes.Routes.OrderBy(r => r.Method.FullName, StringComparer.Ordinal).ThenBy(r => r.Template.Text, StringComparer.Ordinal))
            {
                var (path, pathParameters) = OpenApiPaths.Render(route);
                var item = paths.TryGetValue(path, out var existing) ? existing : paths[path] = new JsonObject();
                var verb = route.HttpMethod.ToLowerInvariant();
                if (!OpenApiPaths.StandardVerbs.Contains(verb) || item.ContainsKey(verb))
                    continue; // OpenAPI 3.0 cannot describe custom HTTP methods (e.g. SEARCH); they are served, not documented
                item[verb] = Operation(route, pathParameters, operationIds);
            }

            var tags = new JsonArray();
            foreach (var (service, _) in services.All.OrderBy(s => s.Service.FullName, StringComparer.Ordinal))
                tags.Add(WithDescription(new JsonObject { ["name"] = service.FullName }, comments.For(service.FullName)));

            var pathsObject = new JsonObject();
            foreach (var (path, item) in paths) pathsObject[path] = item;
            return new JsonObject
            {
                ["openapi"] = "3.0.3",
                ["info"] = new JsonObject
                {
                    ["title"] = "Mesh REST API",
                    ["version"] = "v1",
                    ["description"] = "REST/JSON transcoded to the Mesh gRPC services from their google.api.http rules. " +
                                      "Server-streaming methods answer Server-Sent Events (Accept: text/event-stream) or " +
                                      "newline-delimited JSON; client- and bidi-streaming methods are gRPC-only.",
                },
                ["tags"] = tags,
                ["paths"] = pathsObject,
                ["components"] = new JsonObject
                {
                    ["schemas"] = _schemas.Components(),
                    ["securitySchemes"] = new JsonObject
                    {
                        ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer", ["bearerFormat"] = "JWT" },
                    },
                },
                ["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray() }),
            };
        }

        private JsonObject Operation(HttpRoute route, IReadOnlyList<(string Name, int Variable)> pathParameters, HashSet<string> operationIds)
        {
            var method = route.Method.Descriptor;
            var id = $"{method.Service.Name}_{method.Name}";
            for (var n = 1; !operationIds.Add(id); n++) id = $"{method.Service.Name}_{method.Name}_{n}";

            var parameters = new JsonArray();
            foreach (var (name, variable) in pathParameters)
            {
                var fields = route.VariableFields[variable];
                var template = route.Template.Variables[variable];
                var parameter = new JsonObject
                {
                    ["name"] = name,
                    ["in"] = "path",
                    ["required"] = true,
                    ["schema"] = _schemas.ForField(fields[^1], withDescription: false),
                };
                var pattern = route.Template.Text[(route.Template.Text.IndexOf('{' + template.FieldPath, StringComparison.Ordinal))..];
                pattern = pattern[..(pattern.IndexOf('}') + 1)];
                parameters.Add(WithDescription(parameter, $"Sets `{template.FieldPath}` ({pattern}). {comments.For(fields[^1].FullName)}".Trim()));
            }
            if (route.Body != "*")
                foreach (var (name, field) in QueryParameters(route))
                    parameters.Add(WithDescription(new JsonObject
                    {
                        ["name"] = name,
                        ["in"] = "query",
                        ["schema"] = _schemas.ForField(field, withDescription: false),
                    }, comments.For(field.FullName)));

            var operation = new JsonObject
            {
                ["tags"] = new JsonArray(JsonValue.Create(method.Service.FullName)),
                ["operationId"] = id,
                ["summary"] = method.Name,
            };
            WithDescription(operation, comments.For($"{method.Service.FullName}.{method.Name}"));
            if (parameters.Count > 0) operation["parameters"] = parameters;
            if (route.Body is not null)
            {
                var schema = route.BodyField is { } bodyField ? _schemas.ForField(bodyField, withDescription: false) : _schemas.Ref(method.InputType);
                operation["requestBody"] = new JsonObject
                {
                    ["required"] = true,
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schema } },
                };
            }
            operation["responses"] = new JsonObject
            {
                ["200"] = Success(route),
                ["default"] = new JsonObject
                {
                    ["description"] = "An error: google.rpc.Status with the gRPC code, a message and details.",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = _schemas.Ref(Google.Rpc.Status.Descriptor) } },
                },
            };
            if (auth.IsPublic(route.Method)) operation["security"] = new JsonArray();
            return operation;
        }

        private JsonObject Success(HttpRoute route)
        {
            var output = route.Method.Descriptor.OutputType;
            JsonNode schema = route.ResponseBodyField is { } field ? _schemas.ForField(field, withDescription: false) : _schemas.Ref(output);
            JsonObject content;
            var bodyType = route.ResponseBodyField?.FieldType == FieldType.Message ? route.ResponseBodyField.MessageType : output;
            if (bodyType.FullName == "google.api.HttpBody")
                content = new JsonObject { ["*/*"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string", ["format"] = "binary" } } };
            else if (route.Method.Grpc.Type == MethodType.ServerStreaming)
                content = new JsonObject
                {
                    [ResponseWriter.NdJson] = new JsonObject { ["schema"] = schema.DeepClone() },
                    [ResponseWriter.EventStream] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "string", ["description"] = "Each event's data is one JSON message." } },
                };
            else
                content = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schema } };
            return new JsonObject { ["description"] = "OK", ["content"] = content };
        }

        /// <summary>Every leaf field not bound by the path or the body, as dotted lowerCamel names ("inner.deeper.b").</summary>
        private static IEnumerable<(string Name, FieldDescriptor Field)> QueryParameters(HttpRoute route)
        {
            var bound = route.PathBoundFields.ToList();
            if (route.BodyField is { } body) bound.Add(body.Name);
            return Walk(route.Method.Descriptor.InputType, "", "", bound, depth: 0);
        }

        private static IEnumerable<(string, FieldDescriptor)> Walk(MessageDescriptor message, string jsonPrefix, string protoPrefix, List<string> bound, int depth)
        {
            foreach (var field in message.Fields.InDeclarationOrder())
            {
                var protoPath = protoPrefix + field.Name;
                if (bound.Any(b => FieldPaths.Covers(protoPath, b) && b == protoPath)) continue;
                if (field.IsMap) continue;
                if (field.FieldType == FieldType.Message && !WellKnownTypes.IsScalarLike(field.MessageType))
                {
                    if (field.IsRepeated || depth >= 3 || WellKnownTypes.HasSpecialJson(field.MessageType)) continue;
                    foreach (var nested in Walk(field.MessageType, jsonPrefix + field.JsonName + ".", protoPath + ".", bound, depth + 1))
                        yield return nested;
                    continue;
                }
                yield return (jsonPrefix + field.JsonName, field);
            }
        }

        private static JsonObject WithDescription(JsonObject node, string? description)
        {
            if (!string.IsNullOrWhiteSpace(description)) node["description"] = description;
            return node;
        }
    }
}
