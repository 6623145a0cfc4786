using Mesh.Servers.Processes;
using Mesh.Servers;

namespace Mesh.Hosting.Orchestration;

/// <summary>Builds project resources once, before anything starts, so replicas start from one build output.</summary>
internal static class ProjectBuilder
{
    public static async Task BuildAsync(IEnumerable<ProjectResource> projects, string configuration, CancellationToken ct)
    {
        foreach (var path in projects.Select(p => p.ProjectPath).Distinct())
        {
            await ServerReadiness.RunToCompletionAsync(
                new ChildProcessSpec($"build {Path.GetFileNameWithoutExtension(path)}", "dotnet",
                    ["build", path, "-c", configuration, "-nologo", "-v", "quiet", "-clp:ErrorsOnly"]),
                TimeSpan.FromMinutes(10), ct);
        }
    }
}
