using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Mesh.Gateway;

/// <summary>
/// The services the edge fronts: one line per service, its descriptor (from the generated code) and the logical
/// name its http endpoints are discovered under (<c>services__{backend}__http__N</c>, where its JSON transcoding
/// serves REST). Routes come from the descriptors' google.api.http rules; nothing else is hand-written per method.
/// <code>services.Add(Mesh.Booking.V1.Booking.Descriptor, "booking");</code>
/// </summary>
public sealed class GatewayServices
{
    private readonly List<(ServiceDescriptor Service, string Backend)> _services = [];

    public GatewayServices Add(ServiceDescriptor service, string backend)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(backend);
        if (_services.Any(s => s.Service.FullName == service.FullName))
            throw new InvalidOperationException($"{service.FullName} is registered twice.");
        _services.Add((service, backend));
        return this;
    }

    public IReadOnlyList<(ServiceDescriptor Service, string Backend)> All => _services;

    /// <summary>The distinct backend names (one YARP cluster each).</summary>
    public IEnumerable<string> Backends => _services.Select(s => s.Backend).Distinct(StringComparer.Ordinal);
}
