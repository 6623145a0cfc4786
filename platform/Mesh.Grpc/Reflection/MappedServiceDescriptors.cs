using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Routing;

namespace Mesh.Grpc.Reflection;

/// <summary>
/// The descriptors of every gRPC service mapped on the route builders reflection was mapped on.
/// MapGrpcService puts each service class's attributes, [BindServiceMethod] included, and the
/// IMethod on its endpoints' metadata; the generated static class named there has the Descriptor.
/// Read when reflection is first asked, so services mapped after reflection are listed too.
/// </summary>
internal sealed class MappedServiceDescriptors
{
    private readonly object _gate = new();
    private readonly List<IEndpointRouteBuilder> _routeBuilders = new();

    public MappedServiceDescriptors() => Index = new ReflectionIndex(Collect);

    public ReflectionIndex Index { get; }

    public void Track(IEndpointRouteBuilder endpoints)
    {
        lock (_gate)
        {
            if (!_routeBuilders.Contains(endpoints)) _routeBuilders.Add(endpoints);
        }
    }

    private IEnumerable<ServiceDescriptor> Collect()
    {
        IEndpointRouteBuilder[] routeBuilders;
        lock (_gate) routeBuilders = _routeBuilders.ToArray();

        var seen = new HashSet<Type>();
        var descriptors = new List<ServiceDescriptor>();
        foreach (var endpoint in routeBuilders.SelectMany(r => r.DataSources).SelectMany(d => d.Endpoints))
        {
            if (endpoint.Metadata.GetMetadata<IMethod>() is null) continue;
            var bind = endpoint.Metadata.GetMetadata<BindServiceMethodAttribute>();
            if (bind is null || !seen.Add(bind.BindType)) continue;
            if (ServiceDescriptorLookup.FromBindType(bind.BindType) is { } descriptor) descriptors.Add(descriptor);
        }
        return descriptors;
    }
}
