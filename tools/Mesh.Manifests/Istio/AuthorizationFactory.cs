using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;
using Mesh.Manifests.Istio.Resources;
using Mesh.Manifests.Kubernetes;

namespace Mesh.Manifests.Istio;

/// <summary>
/// A workload's AuthorizationPolicy: exactly the workloads whose <c>WithReference</c> names it may call it, each by
/// its service account; an edge service is called by the ingress gateway alone. Everyone else is denied.
/// </summary>
public static class AuthorizationFactory
{
    public static AuthorizationPolicy Create(MeshModel model, Workload workload)
    {
        var callers = model.CallersOf(workload.Name);
        IReadOnlyList<string> principals = callers.Count > 0
            ? [.. callers.Select(MeshConventions.Principal)]
            : [MeshConventions.IngressPrincipal];
        return new AuthorizationPolicy
        {
            Metadata = ObjectMeta.For(workload.Name),
            Spec = new AuthorizationPolicySpec(
                new WorkloadSelector(MeshConventions.Selector(workload.Name)),
                "ALLOW",
                [new AuthorizationRule([new RuleFrom(new RuleSource(principals))])]),
        };
    }
}
