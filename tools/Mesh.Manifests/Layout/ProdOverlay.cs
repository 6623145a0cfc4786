using k8s.Models;
using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;
using Mesh.Manifests.Istio;
using Mesh.Manifests.Istio.Resources;
using Mesh.Manifests.Kubernetes;
using Mesh.Manifests.Kustomize;
using Mesh.Manifests.Output;

namespace Mesh.Manifests.Layout;

/// <summary>
/// overlays/prod: at least two replicas of every service spread over nodes, room to autoscale, larger requests and
/// volumes, and HTTPS at the ingress. overlays/prod-external is the same with the servers outside the cluster.
/// </summary>
public static class ProdOverlay
{
    public const string Directory = "overlays/prod";
    public const string ExternalDirectory = "overlays/prod-external";

    /// <summary>The certificate of the public host: a TLS Secret in istio-system, created by the deployer (or cert-manager).</summary>
    public const string EdgeCertificate = "mesh-edge-tls";

    public static IEnumerable<ManifestFile> Files(MeshModel model) =>
    [
        new($"{Directory}/patches.yaml", [.. ServicePatches(model), .. model.Servers.Select(Storage), EdgeTls()]),
        new($"{Directory}/kustomization.yaml",
            [new Kustomization { Bases = ["../../base"], PatchesStrategicMerge = ["patches.yaml"] }]),
        new($"{ExternalDirectory}/patches.yaml", [.. ServicePatches(model), EdgeTls()]),
        new($"{ExternalDirectory}/kustomization.yaml",
            [new Kustomization
            {
                Bases = [$"../../{BaseLayer.Mesh}", $"../../{BaseLayer.ExternalServers}"],
                PatchesStrategicMerge = ["patches.yaml"],
            }]),
    ];

    private static int MinReplicas(Workload service) => Math.Max(CapacityPolicy.ProdMinReplicas, service.Replicas);

    private static IEnumerable<object> ServicePatches(MeshModel model) =>
        model.Services.SelectMany(s => new object[] { Deployment(s), Autoscaler(s) });

    private static V1Deployment Deployment(Workload service) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = ObjectMeta.PatchTarget(service.Name),
        Spec = new V1DeploymentSpec
        {
            Replicas = MinReplicas(service),
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec
                {
                    // Replicas on different nodes where the cluster can: one node lost never takes a whole service.
                    TopologySpreadConstraints =
                    [
                        new V1TopologySpreadConstraint
                        {
                            MaxSkew = 1,
                            TopologyKey = "kubernetes.io/hostname",
                            WhenUnsatisfiable = "ScheduleAnyway",
                            LabelSelector = new V1LabelSelector { MatchLabels = MeshConventions.Selector(service.Name) },
                        },
                    ],
                    Containers =
                    [
                        new V1Container
                        {
                            Name = service.Name,
                            Resources = new V1ResourceRequirements
                            {
                                Requests = new Dictionary<string, ResourceQuantity>
                                {
                                    ["cpu"] = new(CapacityPolicy.ProdServiceCpuRequest),
                                    ["memory"] = new(CapacityPolicy.ProdServiceMemoryRequest),
                                },
                                Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(CapacityPolicy.ProdServiceMemoryLimit) },
                            },
                        },
                    ],
                },
            },
        },
    };

    private static V2HorizontalPodAutoscaler Autoscaler(Workload service) => new()
    {
        ApiVersion = "autoscaling/v2",
        Kind = "HorizontalPodAutoscaler",
        Metadata = ObjectMeta.PatchTarget(service.Name),
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            MinReplicas = MinReplicas(service),
            MaxReplicas = Math.Max(CapacityPolicy.ProdMaxReplicas, MinReplicas(service)),
        },
    };

    /// <summary>A claim template is replaced whole by a patch (it has no merge key), so the patch repeats it.</summary>
    private static V1StatefulSet Storage(Workload server) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "StatefulSet",
        Metadata = ObjectMeta.PatchTarget(server.Name),
        Spec = new V1StatefulSetSpec
        {
            VolumeClaimTemplates = [.. server.Volumes.Select(v => StatefulSetFactory.Claim(v, CapacityPolicy.ProdServerStorage))],
        },
    };

    /// <summary>HTTPS on 443 with the deployer's certificate; plain HTTP only redirects to it.</summary>
    private static Gateway EdgeTls() => new()
    {
        Metadata = ObjectMeta.PatchTarget(EdgeFactory.Name),
        Spec = new GatewaySpec(
            new Dictionary<string, string> { ["istio"] = MeshConventions.IngressSelector },
            [
                new GatewayServer(new GatewayPort(443, "https", "HTTPS"), ["*"], new ServerTls(Mode: "SIMPLE", CredentialName: EdgeCertificate)),
                new GatewayServer(new GatewayPort(80, "http", "HTTP"), ["*"], new ServerTls(HttpsRedirect: true)),
            ]),
    };
}
