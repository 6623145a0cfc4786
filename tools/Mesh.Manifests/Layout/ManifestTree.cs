using Mesh.Manifests.AppModel;
using Mesh.Manifests.Contracts;
using Mesh.Manifests.Output;

namespace Mesh.Manifests.Layout;

/// <summary>Everything under istio/: the base and the overlays, made from one app model and one set of contracts.</summary>
public static class ManifestTree
{
    public static IReadOnlyList<ManifestFile> Build(MeshModel model, ContractCatalog contracts) =>
        [.. BaseLayer.Files(model, contracts), .. DevOverlay.Files(model), .. ProdOverlay.Files(model)];
}
