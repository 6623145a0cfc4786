using k8s.Models;
using Mesh.Manifests.Conventions;

namespace Mesh.Manifests.Kubernetes;

/// <summary>The mesh's namespace, with Istio's sidecar injection on: no pod of the mesh runs outside the mesh.</summary>
public static class NamespaceFactory
{
    public static V1Namespace Create() => new()
    {
        ApiVersion = "v1",
        Kind = "Namespace",
        Metadata = new V1ObjectMeta
        {
            Name = MeshConventions.Namespace,
            Labels = new Dictionary<string, string>
            {
                ["app.kubernetes.io/part-of"] = "mesh",
                ["istio-injection"] = "enabled",
            },
        },
    };
}
