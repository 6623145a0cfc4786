namespace Mesh.Manifests.AppModel;

/// <summary>What a workload is on Kubernetes: one of ours (a Deployment) or a server we run for it (a StatefulSet).</summary>
public enum WorkloadKind
{
    Service,
    Server,
}

/// <summary>
/// One Aspire resource that becomes pods: a project (<c>project.v0</c>) or a container (<c>container.v0</c>), with every
/// expression of the Aspire manifest already resolved to Kubernetes names.
/// </summary>
/// <param name="Name">The Aspire resource name; also its Service, ServiceAccount and workload name.</param>
/// <param name="Image">A project's image (the .NET SDK's container name for it) or the container's own image.</param>
/// <param name="Ports">The resource's endpoints, in the manifest's order.</param>
/// <param name="Env">Environment in the manifest's names and order, secrets first (later entries may say <c>$(NAME)</c>).</param>
/// <param name="References">The workloads this one calls: every resource its environment names, databases folded into their server.</param>
/// <param name="Replicas">The app model's <c>WithReplicas</c> (1 where it says nothing).</param>
public sealed record Workload(
    string Name,
    WorkloadKind Kind,
    string Image,
    IReadOnlyList<WorkloadPort> Ports,
    IReadOnlyList<WorkloadEnv> Env,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Args,
    IReadOnlyList<WorkloadVolume> Volumes,
    IReadOnlySet<string> References,
    int Replicas);

/// <summary>An endpoint: its Aspire name (<c>grpc</c>, <c>http</c>, <c>tcp</c>), the port in the pod and behind the Service, and its protocol for Istio.</summary>
public sealed record WorkloadPort(string Name, int Port, string Protocol);

/// <summary>One environment variable: a plain value (which may say <c>$(OTHER)</c>) or a key of a Secret, never both.</summary>
public sealed record WorkloadEnv(string Name, string? Value, SecretKey? Secret);

/// <summary>A key of a Kubernetes Secret the operator creates; the manifests name it and never hold its value.</summary>
public sealed record SecretKey(string SecretName, string Key);

/// <summary>A data volume of a container resource: a claim name and where it is mounted.</summary>
public sealed record WorkloadVolume(string Name, string MountPath, bool ReadOnly);
