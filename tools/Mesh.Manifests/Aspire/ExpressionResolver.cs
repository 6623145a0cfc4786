using System.Text.RegularExpressions;
using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;

namespace Mesh.Manifests.Aspire;

/// <summary>
/// Turns the Aspire manifest's expressions into what a pod on Kubernetes reads: a binding's host is the resource's
/// Service name, its port the pod's port, and a secret parameter is <c>$(SECRET_…)</c>, an environment variable
/// filled from a Secret. No secret's value is ever known here.
/// </summary>
public sealed partial class ExpressionResolver(AspireManifest manifest)
{
    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex Expression();

    /// <summary>The environment variable a secret parameter is read into when a longer value needs it (<c>$(NAME)</c>).</summary>
    public static string SecretVariable(string parameter) => "SECRET_" + parameter.ToUpperInvariant().Replace('-', '_');

    /// <summary>A secret parameter's Secret: named after the parameter, its value under <c>value</c>.</summary>
    public static SecretKey SecretOf(string parameter) => new(parameter, "value");

    public string Resolve(string template, Resolution into) =>
        Expression().Replace(template, m => ResolveOne(m.Groups[1].Value, into));

    /// <summary>The secret parameter a template is exactly, if it is one (<c>{postgres-password.value}</c>).</summary>
    public string? SoleSecret(string template)
    {
        var match = Expression().Match(template);
        if (!match.Success || match.Length != template.Length) return null;
        var parts = match.Groups[1].Value.Split('.');
        return parts is [var name, "value"] ? SecretParameterBehind(name) : null;
    }

    /// <summary>The port a workload's endpoint has in its pod and behind its Service.</summary>
    public int PortOf(string resource, string binding)
    {
        if (manifest.TypeOf(resource) == ResourceTypes.Project)
            return MeshConventions.ServicePorts.TryGetValue(binding, out var port)
                ? port
                : throw new InvalidDataException($"{resource}: endpoint '{binding}' has no port convention (MeshConventions.ServicePorts)");
        return (int?)Binding(resource, binding)["targetPort"]
            ?? throw new InvalidDataException($"{resource}: binding '{binding}' has no targetPort");
    }

    private string ResolveOne(string expression, Resolution into)
    {
        var parts = expression.Split('.');
        var name = parts[0];
        var type = manifest.TypeOf(name);
        switch (parts)
        {
            case [_, "connectionString"]:
                if (type is ResourceTypes.Project or ResourceTypes.Container) into.References.Add(name);
                return Resolve((string?)manifest[name]["connectionString"]
                    ?? throw new InvalidDataException($"{name} has no connection string"), into);
            case [_, "bindings", var binding, var property]:
                into.References.Add(name);
                return BindingProperty(name, binding, property);
            case [_, "value"] when type == ResourceTypes.Parameter:
                return ParameterValue(name, into);
            case [_, "value"] when type == ResourceTypes.AnnotatedString:
                // The uri filter cannot run in Kubernetes' $(VAR) expansion: the secret goes in as it is, so its
                // value must be URI-safe (docs/deploy.md; Aspire's own generated passwords for these are).
                return Resolve((string?)manifest[name]["value"] ?? "", into);
            default:
                throw new InvalidDataException($"no Kubernetes meaning for the manifest expression {{{expression}}}");
        }
    }

    private string BindingProperty(string resource, string binding, string property)
    {
        var scheme = (string?)Binding(resource, binding)["scheme"] ?? "tcp";
        return property switch
        {
            "host" => resource,
            "port" or "targetPort" => PortOf(resource, binding).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "scheme" => scheme,
            "url" => $"{scheme}://{resource}:{PortOf(resource, binding)}",
            _ => throw new InvalidDataException($"no Kubernetes meaning for {resource}.bindings.{binding}.{property}"),
        };
    }

    private string ParameterValue(string name, Resolution into)
    {
        if (SecretParameterBehind(name) is { } secret)
        {
            into.Secrets.Add(secret);
            return $"$({SecretVariable(secret)})";
        }
        // A parameter that is not secret may carry its value in the manifest.
        return (string?)manifest[name]["inputs"]?["value"]?["default"]?["value"]
            ?? throw new InvalidDataException($"parameter '{name}' has neither a value nor the secret flag");
    }

    private string? SecretParameterBehind(string name)
    {
        var resource = manifest[name];
        return manifest.TypeOf(name) switch
        {
            ResourceTypes.Parameter when (bool?)resource["inputs"]?["value"]?["secret"] == true => name,
            ResourceTypes.AnnotatedString when Expression().Match((string?)resource["value"] ?? "") is { Success: true } m
                && m.Groups[1].Value.Split('.') is [var inner, "value"] => SecretParameterBehind(inner),
            _ => null,
        };
    }

    private System.Text.Json.Nodes.JsonObject Binding(string resource, string binding) =>
        manifest[resource]["bindings"]?[binding] as System.Text.Json.Nodes.JsonObject
        ?? throw new InvalidDataException($"{resource} has no binding '{binding}'");
}
