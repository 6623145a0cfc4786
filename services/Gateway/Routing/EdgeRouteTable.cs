using Google.Api;
using Google.Protobuf.Reflection;
using Mesh.Api.V1;
using Mesh.Gateway.Policy;

namespace Mesh.Gateway.Routing;

/// <summary>
/// Every REST route of every fronted service, read at start-up from the google.api.http rules (and their
/// additional_bindings) of the descriptors in <see cref="GatewayServices"/>. Never a hand list: a new rule in a
/// contract is a new route at the edge. A rule the edge cannot route fails the start, not a request.
/// </summary>
public sealed class EdgeRouteTable
{
    private readonly Dictionary<string, EdgeRoute> _byId;

    public EdgeRouteTable(IReadOnlyList<EdgeRoute> routes, IReadOnlyList<string>? notExposed = null)
    {
        Routes = routes;
        NotExposed = notExposed ?? [];
        var duplicate = routes.GroupBy(r => $"{r.HttpMethod} {r.Pattern}", StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two methods bind {duplicate.Key}: {string.Join(", ", duplicate.Select(r => r.FullMethodName))}.");
        _byId = routes.ToDictionary(r => r.Id, StringComparer.Ordinal);
    }

    public IReadOnlyList<EdgeRoute> Routes { get; }

    /// <summary>Rules the edge cannot serve over REST, and why (logged at start-up): they stay gRPC-only.</summary>
    public IReadOnlyList<string> NotExposed { get; }

    public EdgeRoute this[string id] => _byId[id];

    public static EdgeRouteTable Build(GatewayServices services, EdgeAuthOptions auth)
    {
        var routes = new List<EdgeRoute>();
        var notExposed = new List<string>();
        foreach (var (service, backend) in services.All)
        {
            foreach (var method in service.Methods)
            {
                if (method.GetOptions()?.GetExtension(AnnotationsExtensions.Http) is not { } rule) continue;
                if (method.IsClientStreaming)
                {
                    // REST has no way to send a stream of messages (the transcoder does not serve them either).
                    notExposed.Add($"{service.FullName}/{method.Name}: client streaming has no REST mapping");
                    continue;
                }
                var isPublic = IsPublic(method, auth);
                for (var i = 0; i <= rule.AdditionalBindings.Count; i++)
                {
                    var binding = i == 0 ? rule : rule.AdditionalBindings[i - 1];
                    if (i > 0 && binding.AdditionalBindings.Count > 0) throw Invalid(method, "additional_bindings must not nest");
                    if (binding.PatternCase == HttpRule.PatternOneofCase.Custom)
                    {
                        // YARP routes only the standard verbs (and OpenAPI 3 cannot describe others): stays gRPC-only.
                        notExposed.Add($"{service.FullName}/{method.Name}: custom HTTP method {binding.Custom.Kind} {binding.Custom.Path}");
                        continue;
                    }
                    routes.Add(Create(method, binding, backend, isPublic, i == 0 ? $"{service.FullName}/{method.Name}" : $"{service.FullName}/{method.Name}#{i}"));
                }
            }
        }
        return new EdgeRouteTable(routes, notExposed);
    }

    /// <summary>Public by the proto option, or listed in Gateway:Auth:PublicMethods ("pkg.Service/Method" or "pkg.Service/*").</summary>
    public static bool IsPublic(MethodDescriptor method, EdgeAuthOptions auth) =>
        (method.GetOptions()?.GetExtension(AccessExtensions.Public) ?? false)
        || auth.PublicMethods.Any(p => p == $"{method.Service.FullName}/{method.Name}"
            || (p.EndsWith("/*", StringComparison.Ordinal) && p[..^2] == method.Service.FullName));

    private static EdgeRoute Create(MethodDescriptor method, HttpRule rule, string backend, bool isPublic, string id)
    {
        var (verb, path) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
            HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
            HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
            HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
            HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
            _ => throw Invalid(method, "the rule has no HTTP verb and path"),
        };
        PathTemplate template;
        try { template = PathTemplate.Parse(path); }
        catch (FormatException e) { throw Invalid(method, e.Message); }
        foreach (var variable in template.Variables)
            if (!ResolvesToField(method.InputType, variable.FieldPath))
                throw Invalid(method, $"path variable '{variable.FieldPath}' is not a field of {method.InputType.FullName}");

        return new EdgeRoute
        {
            Id = id,
            HttpMethod = verb,
            Template = path,
            Pattern = RoutePatterns.From(template),
            Method = method,
            Backend = backend,
            IsPublic = isPublic,
            Body = BodyKind(method, rule),
        };
    }

    private static RequestBodyKind BodyKind(MethodDescriptor method, HttpRule rule)
    {
        if (rule.Body is not { Length: > 0 } body) return RequestBodyKind.None;
        var type = body == "*" ? method.InputType
            : method.InputType.FindFieldByName(body) is { } field
                ? field.FieldType == FieldType.Message && !field.IsRepeated && !field.IsMap ? field.MessageType : null
                : throw Invalid(method, $"body '{body}' is not a field of {method.InputType.FullName}");
        return type?.FullName == HttpBody.Descriptor.FullName ? RequestBodyKind.Raw : RequestBodyKind.Json;
    }

    private static bool ResolvesToField(MessageDescriptor message, string fieldPath)
    {
        var names = fieldPath.Split('.');
        for (var i = 0; i < names.Length; i++)
        {
            var field = message.FindFieldByName(names[i]);
            if (field is null) return false;
            if (i == names.Length - 1) return !field.IsRepeated && !field.IsMap;
            if (field.FieldType != FieldType.Message) return false;
            message = field.MessageType;
        }
        return false;
    }

    private static InvalidOperationException Invalid(MethodDescriptor method, string problem) =>
        new($"google.api.http rule of {method.Service.FullName}/{method.Name}: {problem}.");
}
