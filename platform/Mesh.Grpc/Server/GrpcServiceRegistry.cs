namespace Mesh.Grpc.Server;

/// <summary>
/// Remembers which services are mapped on which route builder, so the UNIMPLEMENTED fallbacks are
/// mapped once per service (unknown method) and once per route builder (unknown service).
/// </summary>
internal sealed class GrpcServiceRegistry
{
    private readonly object _lock = new();
    private readonly HashSet<(object Endpoints, string Service)> _services = new();
    private readonly HashSet<object> _fallbacks = new(ReferenceEqualityComparer.Instance);

    /// <summary>True the first time a service name is seen on this route builder.</summary>
    public bool TryAddService(object endpoints, string serviceName)
    {
        lock (_lock) return _services.Add((endpoints, serviceName));
    }

    /// <summary>True the first time it is asked for this route builder.</summary>
    public bool TryAddUnknownServiceFallback(object endpoints)
    {
        lock (_lock) return _fallbacks.Add(endpoints);
    }
}
