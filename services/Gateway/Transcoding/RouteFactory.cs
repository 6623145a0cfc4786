using Google.Api;
using Google.Protobuf.Reflection;

namespace Mesh.Gateway.Transcoding;

/// <summary>Turns one HttpRule of a method into an <see cref="HttpRoute"/>, checking every field it names.</summary>
public static class RouteFactory
{
    public static HttpRoute Create(GatewayMethod method, HttpRule rule)
    {
        var (verb, path) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
            HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
            HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
            HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
            HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
            HttpRule.PatternOneofCase.Custom => (rule.Custom.Kind.ToUpperInvariant(), rule.Custom.Path),
            _ => throw Invalid(method, "the rule has no HTTP verb and path"),
        };
        PathTemplate template;
        try { template = PathTemplate.Parse(path); }
        catch (FormatException e) { throw Invalid(method, e.Message); }

        var input = method.Descriptor.InputType;
        var variableFields = template.Variables.Select(v =>
        {
            var fields = FieldPaths.Resolve(input, v.FieldPath) ?? throw Invalid(method, $"path variable '{v.FieldPath}' is not a field of {input.FullName}");
            var last = fields[^1];
            if (last.IsRepeated || (last.FieldType == FieldType.Message && !WellKnownTypes.IsScalarLike(last.MessageType)))
                throw Invalid(method, $"path variable '{v.FieldPath}' must be a singular scalar field");
            return fields;
        }).ToArray();

        string? body = rule.Body is { Length: > 0 } b ? b : null;
        FieldDescriptor? bodyField = null;
        if (body is not null && body != "*")
            bodyField = input.FindFieldByName(body) ?? throw Invalid(method, $"body '{body}' is not a field of {input.FullName}");

        FieldDescriptor? responseBodyField = null;
        if (rule.ResponseBody is { Length: > 0 } rb)
            responseBodyField = method.Descriptor.OutputType.FindFieldByName(rb)
                ?? throw Invalid(method, $"response_body '{rb}' is not a field of {method.Descriptor.OutputType.FullName}");

        return new HttpRoute
        {
            HttpMethod = verb,
            Template = template,
            Method = method,
            VariableFields = variableFields,
            Body = body,
            BodyField = bodyField,
            ResponseBodyField = responseBodyField,
            PathBoundFields = variableFields.Select(FieldPaths.ProtoPath).ToList(),
        };
    }

    private static InvalidOperationException Invalid(GatewayMethod method, string problem) =>
        new($"google.api.http rule of {method.FullName}: {problem}.");
}
