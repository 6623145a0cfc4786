using Mesh.Manifests.Aspire;
using Mesh.Manifests.Contracts;
using Mesh.Manifests.Layout;
using Mesh.Manifests.Output;

namespace Mesh.Manifests.Tests;

/// <summary>The committed istio/ is exactly what `./mesh manifests` makes of today's app model and contracts.</summary>
public sealed class GeneratedTreeTests
{
    [Fact]
    public async Task The_committed_istio_tree_is_what_the_generator_makes()
    {
        var differences = await DifferencesAsync(await GenerateAsync());
        Assert.True(differences.Count == 0,
            "istio/ is out of date with the app model or the contracts; run ./mesh manifests and commit:\n" + string.Join("\n", differences));
    }

    [Fact]
    public async Task Replicas_come_from_WithReplicas_and_a_change_is_a_difference()
    {
        // AppHost/Program.cs: booking.WithReplicas(Mesh:Replicas:booking). Aspire's manifest does not carry it.
        var files = await GenerateAsync([.. AppHostModel.ContainerArgs, "--Mesh:Replicas:booking=3"]);
        var booking = ManifestYaml.Objects(YamlText.Of(files.Single(f => f.Path == "base/mesh/booking.yaml")));
        Assert.Equal(3, (int?)booking.Single(o => (string?)o["kind"] == "Deployment")["spec"]!["replicas"]);
        Assert.Equal(3, (int?)booking.Single(o => (string?)o["kind"] == "HorizontalPodAutoscaler")["spec"]!["minReplicas"]);

        var differences = await DifferencesAsync(files);
        Assert.Contains("differs: istio/base/mesh/booking.yaml", differences);
        Assert.DoesNotContain("differs: istio/base/mesh/users.yaml", differences);
    }

    /// <summary>Generated files missing from istio/ or different there, and YAML files in istio/ nobody generated.</summary>
    private static async Task<List<string>> DifferencesAsync(IReadOnlyList<ManifestFile> files)
    {
        var differences = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(Repo.Istio, file.Path);
            if (!File.Exists(path)) differences.Add($"missing: istio/{file.Path}");
            else if (await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken) != YamlText.Of(file))
                differences.Add($"differs: istio/{file.Path}");
        }
        var generated = files.Select(f => Path.GetFullPath(Path.Combine(Repo.Istio, f.Path))).ToHashSet();
        differences.AddRange(Directory.EnumerateFiles(Repo.Istio, "*.yaml", SearchOption.AllDirectories)
            .Where(f => !generated.Contains(Path.GetFullPath(f)))
            .Select(f => $"not generated: {Path.GetRelativePath(Repo.Root, f)}"));
        return differences;
    }

    /// <summary>What `./mesh manifests` does: the app host writes its Aspire manifest, the generator reads it.</summary>
    public static async Task<IReadOnlyList<ManifestFile>> GenerateAsync(string[]? appHostArgs = null)
    {
        var output = Path.Combine(Path.GetTempPath(), $"mesh-aspire-manifest-{Guid.NewGuid():N}.json");
        try
        {
            var args = appHostArgs ?? AppHostModel.ContainerArgs;
            var publish = await ProcessRun.RunAsync("dotnet", [Repo.AppHostDll, "--publisher", "manifest", "--output-path", output, .. args]);
            Assert.True(publish.ExitCode == 0, publish.ToString());
            var replicas = await AppHostModel.ReplicasAsync(args, TestContext.Current.CancellationToken);
            var model = AppModelReader.Read(AspireManifest.Load(output), replicas);
            return ManifestTree.Build(model, ContractCatalog.FromContractsAssembly());
        }
        finally
        {
            File.Delete(output);
        }
    }
}
