using k8s.Models;
using Mesh.Manifests.Conventions;

namespace Mesh.Manifests.Kubernetes;

/// <summary>
/// The metadata every object carries: its name, the mesh's labels and the mesh's namespace, written into each object
/// so a file also applies as it is, without Kustomize.
/// </summary>
public static class ObjectMeta
{
    /// <summary>An object of one workload, labelled with its name.</summary>
    public static V1ObjectMeta For(string name) => new()
    {
        Name = name,
        NamespaceProperty = MeshConventions.Namespace,
        Labels = MeshConventions.Labels(name),
    };

    /// <summary>An object of the mesh as a whole rather than of one workload.</summary>
    public static V1ObjectMeta Shared(string name) => new()
    {
        Name = name,
        NamespaceProperty = MeshConventions.Namespace,
        Labels = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "mesh" },
    };

    /// <summary>Just enough to name the object a Kustomize patch applies to.</summary>
    public static V1ObjectMeta PatchTarget(string name) => new() { Name = name, NamespaceProperty = MeshConventions.Namespace };
}
