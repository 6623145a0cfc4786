using k8s;
using k8s.Models;

namespace Mesh.Manifests.Istio.Resources;

/// <summary>security.istio.io/v1 PeerAuthentication: which mTLS a workload's sidecar accepts.</summary>
public sealed record PeerAuthentication : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "security.istio.io/v1";
    public string Kind { get; set; } = "PeerAuthentication";
    public required V1ObjectMeta Metadata { get; set; }
    public required PeerAuthenticationSpec Spec { get; init; }
}

public sealed record PeerAuthenticationSpec(PeerMutualTls Mtls);

/// <param name="Mode">STRICT: plain-text connections are refused.</param>
public sealed record PeerMutualTls(string Mode);
