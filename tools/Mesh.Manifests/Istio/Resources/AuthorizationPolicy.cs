using k8s;
using k8s.Models;

namespace Mesh.Manifests.Istio.Resources;

/// <summary>security.istio.io/v1 AuthorizationPolicy: who may call a workload (an ALLOW policy denies whoever it does not name).</summary>
public sealed record AuthorizationPolicy : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "security.istio.io/v1";
    public string Kind { get; set; } = "AuthorizationPolicy";
    public required V1ObjectMeta Metadata { get; set; }
    public required AuthorizationPolicySpec Spec { get; init; }
}

/// <summary>With neither selector nor rules, an ALLOW policy matches nothing: the namespace's deny-by-default.</summary>
public sealed record AuthorizationPolicySpec(
    WorkloadSelector? Selector = null,
    string? Action = null,
    IReadOnlyList<AuthorizationRule>? Rules = null);

public sealed record WorkloadSelector(IReadOnlyDictionary<string, string> MatchLabels);

public sealed record AuthorizationRule(IReadOnlyList<RuleFrom> From);

public sealed record RuleFrom(RuleSource Source);

/// <param name="Principals">Callers by mTLS identity: <c>cluster.local/ns/mesh/sa/booking</c>.</param>
public sealed record RuleSource(IReadOnlyList<string> Principals);
