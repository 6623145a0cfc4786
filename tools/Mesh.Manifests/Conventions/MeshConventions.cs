namespace Mesh.Manifests.Conventions;

/// <summary>The names and numbers every generated object agrees on. docs/deploy.md repeats them for operators.</summary>
public static class MeshConventions
{
    /// <summary>
    /// The one namespace the mesh runs in. It is fixed rather than left to an overlay because Istio principals
    /// (<c>cluster.local/ns/mesh/sa/booking</c>) spell it, and Kustomize would rename the objects but not the principals.
    /// </summary>
    public const string Namespace = "mesh";

    /// <summary>Istio's default trust domain; a mesh with another one lists this as an alias (docs/deploy.md).</summary>
    public const string TrustDomain = "cluster.local";

    /// <summary>The label every selector uses: the Aspire resource name.</summary>
    public const string NameLabel = "app.kubernetes.io/name";

    /// <summary>
    /// Pod ports by Aspire endpoint name. Every pod has its own address, so one port per endpoint name serves all
    /// services, and <c>services__users__grpc__0</c> is always <c>http://users:8081</c>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, int> ServicePorts = new Dictionary<string, int>
    {
        ["http"] = 8080,
        ["grpc"] = 8081,
    };

    /// <summary>Where pods send OTLP (traces, metrics, logs): an OpenTelemetry Collector the cluster runs (docs/deploy.md).</summary>
    public const string OtlpEndpoint = "http://otel-collector.observability.svc.cluster.local:4317";

    /// <summary>The provider name Istio's own spans go to; meshConfig.extensionProviders defines it (docs/deploy.md).</summary>
    public const string IstioTracingProvider = "otel-tracing";

    /// <summary>The ingress gateway's pods (Istio's default install) and its service account, the edge's only caller.</summary>
    public const string IngressSelector = "ingressgateway";
    public const string IngressPrincipal = $"{TrustDomain}/ns/istio-system/sa/istio-ingressgateway-service-account";

    /// <summary>A workload's Service by its full name, as Istio's host fields want it.</summary>
    public static string Host(string name) => $"{name}.{Namespace}.svc.cluster.local";

    /// <summary>The Istio principal of a workload's service account.</summary>
    public static string Principal(string serviceAccount) => $"{TrustDomain}/ns/{Namespace}/sa/{serviceAccount}";

    /// <summary>The labels of a workload's objects and pods; Istio reads <c>app</c> and <c>version</c> for its telemetry.</summary>
    public static Dictionary<string, string> Labels(string name) => new()
    {
        ["app"] = name,
        [NameLabel] = name,
        ["app.kubernetes.io/part-of"] = "mesh",
        ["version"] = "v1",
    };

    /// <summary>What selects a workload's pods: the name label alone, so adding a label never orphans a pod.</summary>
    public static Dictionary<string, string> Selector(string name) => new() { [NameLabel] = name };

    /// <summary>
    /// A project's image: the repository `dotnet publish -t:PublishContainer` names it by (the assembly name in lower
    /// case, dots as dashes). The tag is the deployer's: an overlay of theirs sets it (docs/deploy.md).
    /// </summary>
    public static string ProjectImage(string projectFileName) =>
        Path.GetFileNameWithoutExtension(projectFileName).ToLowerInvariant().Replace('.', '-');
}
