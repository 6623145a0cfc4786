using Mesh.Manifests.AppModel;
using Mesh.Manifests.Contracts;
using Mesh.Manifests.Conventions;
using Mesh.Manifests.Istio.Resources;
using Mesh.Manifests.Kubernetes;

namespace Mesh.Manifests.Istio;

/// <summary>
/// The routes to one of our services inside the mesh, from its contract: idempotent unary methods (the proto says
/// NO_SIDE_EFFECTS or IDEMPOTENT) get a timeout and retries, matched by their gRPC path; streams get no timeout;
/// everything else on a port gets a timeout and, explicitly, no retry — Istio would otherwise retry it by default.
/// </summary>
public static class VirtualServiceFactory
{
    public static VirtualService Create(Workload service, IReadOnlyList<ContractMethod> methods)
    {
        var host = MeshConventions.Host(service.Name);
        var routes = new List<HttpRoute>();
        if (service.Ports.FirstOrDefault(p => p.Protocol == "grpc") is { } grpc)
        {
            var streams = methods.Where(m => m.Streaming).ToList();
            if (streams.Count > 0)
                routes.Add(Route("grpc-streams", [.. streams.Select(m => GrpcMethod(m, grpc))], host, grpc, TrafficPolicy.NoTimeout, NoRetry));
            var idempotent = methods.Where(m => m is { Idempotent: true, Streaming: false }).ToList();
            if (idempotent.Count > 0)
                routes.Add(Route("grpc-idempotent", [.. idempotent.Select(m => GrpcMethod(m, grpc))], host, grpc, TrafficPolicy.UnaryTimeout, Retry));
            routes.Add(Route("grpc", [new HttpMatchRequest(Port: grpc.Port)], host, grpc, TrafficPolicy.UnaryTimeout, NoRetry));
        }
        if (service.Ports.FirstOrDefault(p => p.Protocol == "http") is { } http)
        {
            // REST by JSON transcoding, called by the edge: streamed answers (Server-Sent Events) by their
            // google.api.http rule, then the rest. No REST retry here: the edge decides what a client's request may repeat.
            var streams = methods.Where(m => m.Streaming).SelectMany(m => m.RestTemplates).ToList();
            if (streams.Count > 0)
                routes.Add(Route("rest-streams", [.. streams.Select(r => RestRoute(r, http))], host, http, TrafficPolicy.NoTimeout, NoRetry));
            routes.Add(Route("http", [new HttpMatchRequest(Port: http.Port)], host, http, TrafficPolicy.UnaryTimeout, NoRetry));
        }
        return new VirtualService
        {
            Metadata = ObjectMeta.For(service.Name),
            Spec = new VirtualServiceSpec([host], routes),
        };
    }

    public static readonly RetryPolicy NoRetry = new(0);

    private static readonly RetryPolicy Retry = new(TrafficPolicy.RetryAttempts, TrafficPolicy.PerTryTimeout, TrafficPolicy.RetryOn);

    private static HttpMatchRequest GrpcMethod(ContractMethod method, WorkloadPort port) =>
        new(Uri: new StringMatch(Exact: method.Path), Port: port.Port);

    private static HttpMatchRequest RestRoute(RestRoute route, WorkloadPort port) =>
        new(Uri: new StringMatch(Regex: RestPathPattern.ToRegex(route.Template)), Method: new StringMatch(Exact: route.Verb), Port: port.Port);

    private static HttpRoute Route(string name, IReadOnlyList<HttpMatchRequest> match, string host, WorkloadPort port, string timeout, RetryPolicy retries) =>
        new(name, match, [new RouteDestination(new Destination(host, new PortSelector(port.Port)))], timeout, retries);
}
