// `./mesh manifests`: istio/ from the app host's Aspire manifest (written by `./mesh manifest … --Mesh:Servers=containers`),
// the app model's replica counts and the compiled contracts.
//   dotnet Mesh.Manifests.dll --aspire-manifest .mesh/manifest.containers.json --out istio
using Mesh.Manifests.Aspire;
using Mesh.Manifests.Contracts;
using Mesh.Manifests.Layout;
using Mesh.Manifests.Output;

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

var manifestPath = Option("--aspire-manifest");
var output = Option("--out");
if (manifestPath is null || output is null)
{
    Console.Error.WriteLine("usage: Mesh.Manifests --aspire-manifest <manifest.json> --out <istio directory>");
    return 2;
}

var replicas = await AppHostModel.ReplicasAsync(AppHostModel.ContainerArgs);
var model = AppModelReader.Read(AspireManifest.Load(manifestPath), replicas);
var files = ManifestTree.Build(model, ContractCatalog.FromContractsAssembly());
TreeWriter.Write(output, files);
Console.Error.WriteLine($"{files.Count} files in {output}: {model.Services.Count()} services, {model.Servers.Count()} servers");
return 0;
