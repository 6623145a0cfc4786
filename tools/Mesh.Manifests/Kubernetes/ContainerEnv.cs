using k8s.Models;
using Mesh.Manifests.AppModel;

namespace Mesh.Manifests.Kubernetes;

/// <summary>A workload's environment as Kubernetes writes it: a value, or a Secret's key by reference (never its value).</summary>
public static class ContainerEnv
{
    public static List<V1EnvVar> From(IEnumerable<WorkloadEnv> env) =>
        [.. env.Select(e => e.Secret is { } secret
            ? new V1EnvVar
            {
                Name = e.Name,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret.SecretName, Key = secret.Key } },
            }
            : new V1EnvVar { Name = e.Name, Value = e.Value ?? "" })];
}
