using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Mesh.Manifests.Aspire;

/// <summary>
/// The app model of AppHost/Program.cs, built in this process and never started (Aspire.Hosting.Testing runs the app
/// host's Main up to <c>Build()</c>). It tells what the manifest does not: each resource's <c>WithReplicas</c>.
/// </summary>
public static class AppHostModel
{
    /// <summary>The arguments the manifests are made with: Aspire's container resources for the servers.</summary>
    public static readonly string[] ContainerArgs = ["--Mesh:Servers=containers"];

    public static Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(string[] args, CancellationToken cancellationToken = default) =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(args, cancellationToken);

    /// <summary>Each resource that says <c>WithReplicas</c>, by name; the others run one replica.</summary>
    public static IReadOnlyDictionary<string, int> Replicas(IDistributedApplicationBuilder builder) =>
        builder.Resources
            .Select(r => (r.Name, Annotation: r.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()))
            .Where(r => r.Annotation is not null)
            .ToDictionary(r => r.Name, r => r.Annotation!.Replicas);

    public static async Task<IReadOnlyDictionary<string, int>> ReplicasAsync(string[] args, CancellationToken cancellationToken = default)
    {
        await using var builder = await CreateBuilderAsync(args, cancellationToken);
        return Replicas(builder);
    }
}
