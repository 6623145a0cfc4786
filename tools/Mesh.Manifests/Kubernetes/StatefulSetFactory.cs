using k8s.Models;
using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;

namespace Mesh.Manifests.Kubernetes;

/// <summary>
/// A server the mesh runs for itself (PostgreSQL, Redis, RabbitMQ) as a StatefulSet: Aspire's container image,
/// entrypoint, arguments and environment, and a claim for each of its data volumes. The external-servers overlay
/// replaces these with the cluster's managed services.
/// </summary>
public static class StatefulSetFactory
{
    public static V1StatefulSet Create(Workload server) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "StatefulSet",
        Metadata = ObjectMeta.For(server.Name),
        Spec = new V1StatefulSetSpec
        {
            ServiceName = server.Name,
            Replicas = server.Replicas,
            Selector = new V1LabelSelector { MatchLabels = MeshConventions.Selector(server.Name) },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = MeshConventions.Labels(server.Name) },
                Spec = new V1PodSpec
                {
                    ServiceAccountName = server.Name,
                    AutomountServiceAccountToken = false,
                    // The official images start as root to own their data directory, then drop to their own user,
                    // so no runAsNonRoot here; the runtime's default seccomp profile still applies.
                    SecurityContext = new V1PodSecurityContext { SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
                    Containers = [Container(server)],
                },
            },
            VolumeClaimTemplates = [.. server.Volumes.Select(v => Claim(v, CapacityPolicy.ServerStorage))],
        },
    };

    private static V1Container Container(Workload server) => new()
    {
        Name = server.Name,
        Image = server.Image,
        Command = server.Entrypoint.Count > 0 ? [.. server.Entrypoint] : null,
        Args = server.Args.Count > 0 ? [.. server.Args] : null,
        Ports = [.. server.Ports.Select(p => new V1ContainerPort { Name = p.Name, ContainerPort = p.Port, Protocol = "TCP" })],
        Env = ContainerEnv.From(server.Env),
        // Ready once it accepts connections on its first port (the one its connection string names).
        ReadinessProbe = new V1Probe
        {
            TcpSocket = new V1TCPSocketAction { Port = server.Ports[0].Name },
            PeriodSeconds = 5,
            FailureThreshold = 3,
        },
        Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(CapacityPolicy.ServerCpuRequest),
                ["memory"] = new(CapacityPolicy.ServerMemoryRequest),
            },
            Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(CapacityPolicy.ServerMemoryLimit) },
        },
        VolumeMounts = server.Volumes.Count > 0
            ? [.. server.Volumes.Select(v => new V1VolumeMount { Name = v.Name, MountPath = v.MountPath, ReadOnlyProperty = v.ReadOnly })]
            : null,
    };

    /// <summary>A data volume's claim template: one node's disk (ReadWriteOnce) of the given size.</summary>
    public static V1PersistentVolumeClaim Claim(WorkloadVolume volume, string storage) => new()
    {
        Metadata = new V1ObjectMeta { Name = volume.Name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(storage) },
            },
        },
    };
}
