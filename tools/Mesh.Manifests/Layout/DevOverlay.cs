using k8s.Models;
using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;
using Mesh.Manifests.Istio;
using Mesh.Manifests.Kubernetes;
using Mesh.Manifests.Kustomize;
using Mesh.Manifests.Output;

namespace Mesh.Manifests.Layout;

/// <summary>
/// overlays/dev: the base on a one-node development cluster. Images built and loaded locally (no registry pull when
/// present), small requests so the whole mesh fits, and every request traced.
/// </summary>
public static class DevOverlay
{
    public const string Directory = "overlays/dev";

    public static IEnumerable<ManifestFile> Files(MeshModel model)
    {
        List<object> patches =
        [
            .. model.Services.Select(Deployment),
            TelemetryFactory.Create(samplingPercent: 100),
        ];
        return
        [
            new($"{Directory}/patches.yaml", patches),
            new($"{Directory}/kustomization.yaml",
                [new Kustomization { Bases = ["../../base"], PatchesStrategicMerge = ["patches.yaml"] }]),
        ];
    }

    private static V1Deployment Deployment(Workload service) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = ObjectMeta.PatchTarget(service.Name),
        Spec = new V1DeploymentSpec
        {
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container
                        {
                            Name = service.Name,
                            ImagePullPolicy = "IfNotPresent",
                            Resources = new V1ResourceRequirements
                            {
                                Requests = new Dictionary<string, ResourceQuantity>
                                {
                                    ["cpu"] = new(CapacityPolicy.DevServiceCpuRequest),
                                    ["memory"] = new(CapacityPolicy.DevServiceMemoryRequest),
                                },
                            },
                        },
                    ],
                },
            },
        },
    };
}
