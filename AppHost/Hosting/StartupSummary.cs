using Aspire.Hosting.ApplicationModel;

namespace Mesh.Hosting.Local;

public static class StartupSummaryExtensions
{
    /// <summary>
    /// Prints, as each resource becomes ready, what a person needs to reach it from outside: every connection string
    /// under the name services read it by, and each project's endpoints. Call it after the last resource is added.
    /// </summary>
    public static IDistributedApplicationBuilder PrintStartupSummary(this IDistributedApplicationBuilder builder, TextWriter? output = null)
    {
        if (!builder.ExecutionContext.IsRunMode) return builder;
        output ??= Console.Out;
        {
            foreach (var resource in builder.Resources)
            {
                builder.Eventing.Subscribe<ResourceReadyEvent>(resource, async (ready, ct) =>
                {
                    var line = resource switch
                    {
                        IResourceWithConnectionString cs =>
                            $"  {resource.Name,-12} ConnectionStrings__{resource.Name} = {await cs.ConnectionStringExpression.GetValueAsync(ct)}",
                        IResourceWithEndpoints withEndpoints when resource is ProjectResource =>
                            $"  {resource.Name,-12} " + string.Join("  ", withEndpoints.Annotations.OfType<EndpointAnnotation>()
                                .Where(a => a.AllocatedEndpoint is not null).Select(a => $"{a.Name}: {a.AllocatedEndpoint!.UriString}")),
                        _ => null,
                    };
                    if (line is not null)
                        lock (output) output.WriteLine(line);
                });
            }
        }
        return builder;
    }
}
