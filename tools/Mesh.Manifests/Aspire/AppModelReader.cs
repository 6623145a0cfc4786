using System.Text.Json.Nodes;
using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;

namespace Mesh.Manifests.Aspire;

/// <summary>Reads the Aspire manifest into the workloads Kubernetes runs, expressions resolved to Kubernetes names.</summary>
public static class AppModelReader
{
    /// <param name="replicas">The app model's <c>WithReplicas</c> by resource name (Aspire's manifest does not carry them).</param>
    public static MeshModel Read(AspireManifest manifest, IReadOnlyDictionary<string, int> replicas)
    {
        var resolver = new ExpressionResolver(manifest);
        var workloads = new List<Workload>();
        foreach (var name in manifest.Names)
        {
            switch (manifest.TypeOf(name))
            {
                case ResourceTypes.Project or ResourceTypes.Container:
                    workloads.Add(ReadWorkload(manifest, resolver, name, replicas.GetValueOrDefault(name, 1)));
                    break;
                case ResourceTypes.Executable:
                    throw new InvalidDataException(
                        $"'{name}' is a local process: write the manifest with --Mesh:Servers=containers (./mesh manifests does)");
                case ResourceTypes.Parameter or ResourceTypes.Value or ResourceTypes.AnnotatedString:
                    break; // read where an expression names them
                case var other:
                    throw new InvalidDataException($"'{name}': no Kubernetes mapping for resource type {other}");
            }
        }
        var secrets = workloads.SelectMany(w => w.Env).Select(e => e.Secret?.SecretName).OfType<string>()
            .Distinct().Order(StringComparer.Ordinal);
        return new MeshModel(workloads, [.. secrets]);
    }

    private static Workload ReadWorkload(AspireManifest manifest, ExpressionResolver resolver, string name, int replicas)
    {
        var resource = manifest[name];
        var project = manifest.TypeOf(name) == ResourceTypes.Project;
        var resolution = new Resolution();
        var bindings = (resource["bindings"] as JsonObject ?? []).Select(b => b.Key).ToList();

        var env = new List<WorkloadEnv>();
        foreach (var (key, node) in resource["env"] as JsonObject ?? [])
        {
            var template = (string?)node ?? "";
            if (resolver.SoleSecret(template) is { } secret)
                env.Add(new WorkloadEnv(key, null, ExpressionResolver.SecretOf(secret)));
            else if (project && KestrelUrlEndpoint(key) is { } endpoint)
                // Aspire binds Kestrel to 127.0.0.1 on one machine. In a pod the sidecar and the kubelet's probes
                // arrive on the pod's address, so the listener takes every address, on the endpoint's pod port.
                env.Add(new WorkloadEnv(key, $"http://*:{resolver.PortOf(name, endpoint)}", null));
            else
                env.Add(new WorkloadEnv(key, resolver.Resolve(template, resolution), null));
        }
        // Values that embed a secret say $(SECRET_…): Kubernetes expands only variables defined before them.
        var secretVariables = resolution.Secrets.Select(s =>
            new WorkloadEnv(ExpressionResolver.SecretVariable(s), null, ExpressionResolver.SecretOf(s)));
        env = [.. secretVariables, .. env];

        var args = (resource["args"] as JsonArray ?? []).Select(a => resolver.Resolve((string?)a ?? "", resolution)).ToList();
        resolution.References.Remove(name);
        return new Workload(
            name,
            project ? WorkloadKind.Service : WorkloadKind.Server,
            project
                ? MeshConventions.ProjectImage((string?)resource["path"] ?? name) + ":latest"
                : (string?)resource["image"] ?? throw new InvalidDataException($"container '{name}' has no image"),
            [.. bindings.Select(b => new WorkloadPort(b, resolver.PortOf(name, b), Protocol(resource, b)))],
            env,
            resource["entrypoint"] is JsonValue entrypoint ? [(string)entrypoint!] : [],
            args,
            [.. (resource["volumes"] as JsonArray ?? []).Select(v => Volume(name, v!))],
            resolution.References,
            replicas);
    }

    /// <summary>Istio's protocol for a binding: gRPC for HTTP/2 endpoints, HTTP for HTTP/1.1, plain TCP for the servers.</summary>
    private static string Protocol(JsonObject resource, string binding) =>
        (string?)resource["bindings"]?[binding]?["transport"] switch
        {
            "http2" => "grpc",
            "http" => "http",
            _ => "tcp",
        };

    /// <summary>The endpoint of a <c>Kestrel__Endpoints__{endpoint}__Url</c> variable (ServiceEndpoints.cs writes them).</summary>
    private static string? KestrelUrlEndpoint(string key) =>
        key.Split("__") is ["Kestrel", "Endpoints", var endpoint, "Url"] ? endpoint : null;

    /// <summary>
    /// Aspire names a data volume <c>{app host}-{hash of its path}-{resource}-data</c>; the hash differs per checkout,
    /// so the claim keeps only what follows the resource's name.
    /// </summary>
    private static WorkloadVolume Volume(string resource, JsonNode volume)
    {
        var name = (string?)volume["name"] ?? "data";
        var at = name.LastIndexOf(resource + "-", StringComparison.Ordinal);
        return new WorkloadVolume(
            at >= 0 ? name[(at + resource.Length + 1)..] : name,
            (string?)volume["target"] ?? throw new InvalidDataException($"{resource}: a volume without a target"),
            (bool?)volume["readOnly"] ?? false);
    }
}
