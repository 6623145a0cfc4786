using Mesh.Manifests.Istio.Resources;
using Mesh.Manifests.Kubernetes;

namespace Mesh.Manifests.Istio;

/// <summary>The namespace-wide rules: mTLS or nothing, and nobody is allowed anything a workload's own policy does not allow.</summary>
public static class MeshSecurityFactory
{
    public static PeerAuthentication StrictMutualTls() => new()
    {
        Metadata = ObjectMeta.Shared("default"),
        Spec = new PeerAuthenticationSpec(new PeerMutualTls("STRICT")),
    };

    /// <summary>An ALLOW policy with no rules matches no request: a workload added without a policy of its own gets no traffic.</summary>
    public static AuthorizationPolicy AllowNothing() => new()
    {
        Metadata = ObjectMeta.Shared("allow-nothing"),
        Spec = new AuthorizationPolicySpec(),
    };
}
