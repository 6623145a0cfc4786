using k8s;
using k8s.Models;

namespace Mesh.Manifests.Istio.Resources;

/// <summary>networking.istio.io/v1 Gateway: what Istio's ingress gateway pods listen on.</summary>
public sealed record Gateway : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "networking.istio.io/v1";
    public string Kind { get; set; } = "Gateway";
    public required V1ObjectMeta Metadata { get; set; }
    public required GatewaySpec Spec { get; init; }
}

public sealed record GatewaySpec(IReadOnlyDictionary<string, string> Selector, IReadOnlyList<GatewayServer> Servers);

public sealed record GatewayServer(GatewayPort Port, IReadOnlyList<string> Hosts, ServerTls? Tls = null);

public sealed record GatewayPort(int Number, string Name, string Protocol);

/// <param name="CredentialName">A TLS Secret in the ingress gateway's namespace, by name only.</param>
public sealed record ServerTls(string? Mode = null, string? CredentialName = null, bool? HttpsRedirect = null);
