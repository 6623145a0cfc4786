namespace Mesh.Hosting.Orchestration;

/// <summary>
/// One port per (process, endpoint, replica), fixed for the host's lifetime so a restarted replica comes
/// back where its callers expect it. A fixed port (e.g. the edge's 8080) goes to replica 0.
/// </summary>
internal sealed class PortAllocator(bool ignoreFixedPorts, RememberedPorts remembered)
{
    private readonly Dictionary<(ProcessResource, string, int), int> _ports = new();
    private readonly Lock _gate = new();

    public int PortOf(ProcessResource resource, EndpointDefinition endpoint, int replica)
    {
        lock (_gate)
        {
            if (_ports.TryGetValue((resource, endpoint.Name, replica), out var port)) return port;
            port = replica == 0 && endpoint.Port is { } fixedPort && !ignoreFixedPorts
                ? fixedPort
                : remembered.Get($"{resource.Name}/{endpoint.Name}/{replica}");
            _ports[(resource, endpoint.Name, replica)] = port;
            return port;
        }
    }
}
