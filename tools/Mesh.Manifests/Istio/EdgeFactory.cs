using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;
using Mesh.Manifests.Istio.Resources;
using Mesh.Manifests.Kubernetes;

namespace Mesh.Manifests.Istio;

/// <summary>
/// What the outside sees: Istio's ingress gateway listens for HTTP and routes every request to the REST edge's http
/// port, and to nothing else; no other service has a route from the ingress.
/// </summary>
public static class EdgeFactory
{
    public const string Name = "mesh-edge";

    public static Gateway Gateway() => new()
    {
        Metadata = ObjectMeta.Shared(Name),
        Spec = new GatewaySpec(
            new Dictionary<string, string> { ["istio"] = MeshConventions.IngressSelector },
            [new GatewayServer(new GatewayPort(80, "http", "HTTP"), ["*"])]),
    };

    public static VirtualService Routes(MeshModel model)
    {
        var edge = model.Edge is [var only] ? only
            : throw new InvalidDataException($"one edge service expected (a service nobody references), found {model.Edge.Count}");
        var port = edge.Ports.Single(p => p.Protocol == "http");
        var host = MeshConventions.Host(edge.Name);
        return new VirtualService
        {
            Metadata = ObjectMeta.Shared(Name),
            Spec = new VirtualServiceSpec(
                ["*"],
                // No timeout: the edge enforces its own per request (Gateway:RequestTimeout) and streams watches
                // as Server-Sent Events. No retry: a client's POST is not the ingress's to repeat.
                [new HttpRoute(
                    "rest-edge",
                    [new HttpMatchRequest(Uri: new StringMatch(Prefix: "/"))],
                    [new RouteDestination(new Destination(host, new PortSelector(port.Port)))],
                    TrafficPolicy.NoTimeout,
                    VirtualServiceFactory.NoRetry)],
                [Name]),
        };
    }
}
