using k8s.Models;
using Mesh.Manifests.AppModel;

namespace Mesh.Manifests.Kubernetes;

/// <summary>
/// One service account per workload: it is the workload's identity in Istio's mTLS certificates, which the
/// AuthorizationPolicies name. No workload talks to the Kubernetes API, so none gets an API token mounted.
/// </summary>
public static class ServiceAccountFactory
{
    public static V1ServiceAccount Create(Workload workload) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = ObjectMeta.For(workload.Name),
        AutomountServiceAccountToken = false,
    };
}
