using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Mesh.Manifests.Tests;

/// <summary>`kubectl kustomize` of a directory of the committed istio/, built once per test run.</summary>
public static class Kustomize
{
    public static readonly string[] Targets = ["base", "overlays/dev", "overlays/prod", "overlays/prod-external"];

    private static readonly ConcurrentDictionary<string, Lazy<Task<ProcessResult>>> Builds = new();

    public static Task<ProcessResult> BuildAsync(string target) =>
        Builds.GetOrAdd(target, t => new Lazy<Task<ProcessResult>>(() =>
            ProcessRun.RunAsync("kubectl", ["kustomize", Path.Combine(Repo.Istio, t)]))).Value;

    public static async Task<List<JsonObject>> ObjectsAsync(string target)
    {
        var build = await BuildAsync(target);
        Assert.True(build.ExitCode == 0, $"kubectl kustomize {target}: {build}");
        return ManifestYaml.Objects(build.StandardOutput);
    }
}
