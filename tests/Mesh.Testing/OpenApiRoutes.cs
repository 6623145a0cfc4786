using System.Text.Json;
using Google.Api;
using Google.Protobuf.Reflection;

namespace Mesh.Testing;

/// <summary>
/// The REST routes a contract declares (its methods' google.api.http rules, additional bindings included) and the
/// operations a service's OpenAPI document lists, both as "VERB /path" so a test can compare them.
/// </summary>
public static partial class OpenApiRoutes
{
    /// <summary>Where every service serves its OpenAPI document on its http endpoint.</summary>
    public const string DocumentPath = "/openapi/v1.json";

    public static async Task<JsonElement> FetchAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(DocumentPath, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {DocumentPath}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// "GET /v1/shows/{id}" for every http rule of <paramref name="service"/>, written as Grpc.Swagger writes paths:
    /// variables by their JSON names ("{venue_id}" is "{venueId}", the name a REST caller knows the field by), and a
    /// variable with a pattern ("{name=users/*}") as the variable alone ("{name}").
    /// </summary>
    public static IReadOnlySet<string> Declared(ServiceDescriptor service)
    {
        var routes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var method in service.Methods)
        {
            if (method.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is not { } rule) continue;
            Add(routes, rule, method.InputType);
            foreach (var binding in rule.AdditionalBindings) Add(routes, binding, method.InputType);
        }
        return routes;
    }

    /// <summary>"GET /v1/shows/{id}" for every operation of an OpenAPI document.</summary>
    public static IReadOnlySet<string> Listed(JsonElement document)
    {
        var operations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
                operations.Add($"{operation.Name.ToUpperInvariant()} {path.Name}");
        return operations;
    }

    private static void Add(SortedSet<string> routes, HttpRule rule, MessageDescriptor request)
    {
        var (verb, path) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
            HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
            HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
            HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
            HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
            HttpRule.PatternOneofCase.Custom => (rule.Custom.Kind, rule.Custom.Path),
            _ => ("", ""),
        };
        if (verb.Length > 0) routes.Add($"{verb} {Variables().Replace(path, m => "{" + JsonPath(request, m.Groups[1].Value) + "}")}");
    }

    private static string JsonPath(MessageDescriptor request, string protoPath)
    {
        var names = new List<string>();
        var type = request;
        foreach (var part in protoPath.Split('.'))
        {
            var field = type?.FindFieldByName(part) ?? throw new InvalidOperationException($"{request.FullName} has no field '{protoPath}'.");
            names.Add(field.JsonName);
            type = field.FieldType == FieldType.Message ? field.MessageType : null;
        }
        return string.Join('.', names);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\{([^}=]+)(=[^}]*)?\}")]
    private static partial System.Text.RegularExpressions.Regex Variables();
}
