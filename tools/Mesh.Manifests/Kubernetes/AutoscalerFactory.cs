using k8s.Models;
using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;

namespace Mesh.Manifests.Kubernetes;

/// <summary>
/// A service's HorizontalPodAutoscaler on CPU: never below the app model's replica count, up to a few times it. The
/// services keep no state in memory that a new replica would lack (the outbox relays and workers claim rows with
/// SKIP LOCKED), so adding replicas is safe.
/// </summary>
public static class AutoscalerFactory
{
    public static V2HorizontalPodAutoscaler Create(Workload service) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = ObjectMeta.For(service.Name),
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = service.Name },
            MinReplicas = service.Replicas,
            MaxReplicas = CapacityPolicy.MaxReplicas(service.Replicas),
            Metrics =
            [
                new V2MetricSpec
                {
                    Type = "Resource",
                    Resource = new V2ResourceMetricSource
                    {
                        Name = "cpu",
                        Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = CapacityPolicy.TargetCpuUtilization },
                    },
                },
            ],
        },
    };
}
