using k8s.Models;
using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;

namespace Mesh.Manifests.Kubernetes;

/// <summary>
/// A service's PodDisruptionBudget: a node drain takes at most one replica at a time. "At most one unavailable"
/// rather than "at least N available" so a one-replica development mesh can still be drained.
/// </summary>
public static class DisruptionBudgetFactory
{
    public static V1PodDisruptionBudget Create(Workload service) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = ObjectMeta.For(service.Name),
        Spec = new V1PodDisruptionBudgetSpec
        {
            MaxUnavailable = 1,
            Selector = new V1LabelSelector { MatchLabels = MeshConventions.Selector(service.Name) },
        },
    };
}
