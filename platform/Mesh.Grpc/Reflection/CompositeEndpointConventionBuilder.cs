using Microsoft.AspNetCore.Builder;

namespace Mesh.Grpc.Reflection;

/// <summary>One convention builder for several mapped services (here: reflection v1 and v1alpha).</summary>
internal sealed class CompositeEndpointConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
{
    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in builders) builder.Add(convention);
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in builders) builder.Finally(finallyConvention);
    }
}
