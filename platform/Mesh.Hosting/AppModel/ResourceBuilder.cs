namespace Mesh.Hosting;

/// <summary>Fluent handle on one resource of the model (Aspire's IResourceBuilder&lt;T&gt;).</summary>
public interface IResourceBuilder<out T> where T : IResource
{
    T Resource { get; }
    IDistributedApplicationBuilder ApplicationBuilder { get; }
}

internal sealed class ResourceBuilder<T>(T resource, IDistributedApplicationBuilder applicationBuilder) : IResourceBuilder<T> where T : IResource
{
    public T Resource { get; } = resource;
    public IDistributedApplicationBuilder ApplicationBuilder { get; } = applicationBuilder;
}
