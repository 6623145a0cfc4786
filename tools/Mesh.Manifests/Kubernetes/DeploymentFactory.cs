using k8s.Models;
using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;

namespace Mesh.Manifests.Kubernetes;

/// <summary>A service of ours as a Deployment: its image, ports, environment in Aspire's names, probes and limits.</summary>
public static class DeploymentFactory
{
    /// <summary>The endpoint the health endpoints answer on (ServiceDefaults maps /alive and /health there only).</summary>
    private const string HealthPort = "http";

    public static V1Deployment Create(Workload service) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = ObjectMeta.For(service.Name),
        Spec = new V1DeploymentSpec
        {
            Replicas = service.Replicas,
            Selector = new V1LabelSelector { MatchLabels = MeshConventions.Selector(service.Name) },
            // A new pod is ready before an old one goes: a rollout never lowers capacity.
            Strategy = new V1DeploymentStrategy
            {
                Type = "RollingUpdate",
                RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = 1, MaxUnavailable = 0 },
            },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta
                {
                    Labels = MeshConventions.Labels(service.Name),
                    // Services call each other and their servers as they start (migrations, JWKS): the sidecar must
                    // be up first, or those calls fail before the mesh can carry them.
                    Annotations = new Dictionary<string, string>
                    {
                        ["proxy.istio.io/config"] = "{\"holdApplicationUntilProxyStarts\":true}",
                    },
                },
                Spec = new V1PodSpec
                {
                    ServiceAccountName = service.Name,
                    AutomountServiceAccountToken = false,
                    SecurityContext = new V1PodSecurityContext
                    {
                        RunAsNonRoot = true,
                        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                    },
                    Containers = [Container(service)],
                    // The root file system is read-only; .NET still wants a writable temporary directory.
                    Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }],
                },
            },
        },
    };

    private static V1Container Container(Workload service) => new()
    {
        Name = service.Name,
        Image = service.Image,
        Ports = [.. service.Ports.Select(p => new V1ContainerPort { Name = p.Name, ContainerPort = p.Port, Protocol = "TCP" })],
        Env = ContainerEnv.From([.. service.Env, .. PlatformEnv.For(service)]),
        // Start-up runs the database migrations: up to a minute before liveness counts.
        StartupProbe = Probe("/alive", periodSeconds: 2, failureThreshold: 30),
        // /alive never asks a dependency: a database outage must not restart every service.
        LivenessProbe = Probe("/alive", periodSeconds: 10, failureThreshold: 3),
        // /health asks them all: a service whose database is gone leaves the load-balancing pool instead.
        ReadinessProbe = Probe("/health", periodSeconds: 5, failureThreshold: 2),
        Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity>
            {
                ["cpu"] = new(CapacityPolicy.ServiceCpuRequest),
                ["memory"] = new(CapacityPolicy.ServiceMemoryRequest),
            },
            Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(CapacityPolicy.ServiceMemoryLimit) },
        },
        SecurityContext = new V1SecurityContext
        {
            AllowPrivilegeEscalation = false,
            ReadOnlyRootFilesystem = true,
            Capabilities = new V1Capabilities { Drop = ["ALL"] },
        },
        VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
    };

    private static V1Probe Probe(string path, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = HealthPort },
        PeriodSeconds = periodSeconds,
        FailureThreshold = failureThreshold,
        TimeoutSeconds = 3,
    };
}
