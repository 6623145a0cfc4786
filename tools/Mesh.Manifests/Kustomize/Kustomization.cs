namespace Mesh.Manifests.Kustomize;

/// <summary>
/// A kustomization.yaml. Only fields that both current Kustomize and the old one inside Debian's kubectl 1.20 read
/// (<c>bases</c>, <c>resources</c>, <c>patchesStrategicMerge</c>), so `kubectl kustomize` builds with either; newer
/// Kustomize names some of them deprecated and builds all the same.
/// </summary>
public sealed record Kustomization
{
    public string ApiVersion { get; init; } = "kustomize.config.k8s.io/v1beta1";
    public string Kind { get; init; } = "Kustomization";
    /// <summary>Other kustomization directories this one builds on.</summary>
    public IReadOnlyList<string>? Bases { get; init; }
    /// <summary>Files of objects, relative to this directory.</summary>
    public IReadOnlyList<string>? Resources { get; init; }
    /// <summary>Files of partial objects merged into the objects of the same kind and name.</summary>
    public IReadOnlyList<string>? PatchesStrategicMerge { get; init; }
}
