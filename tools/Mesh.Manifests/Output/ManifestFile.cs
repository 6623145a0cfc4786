namespace Mesh.Manifests.Output;

/// <summary>One file of istio/: its path relative to istio/ and the objects it holds, in order.</summary>
public sealed record ManifestFile(string Path, IReadOnlyList<object> Documents);
