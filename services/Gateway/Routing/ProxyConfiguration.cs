using System.Net;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Gateway.Routing;

/// <summary>
/// The edge's YARP configuration, made from the route table: one YARP route per REST route (its verb and pattern,
/// its authorization policy and timeout) and one cluster per fronted service whose only destination,
/// <c>http://_http.{service}</c>, service discovery expands into the service's replicas (their <c>http</c>
/// endpoints, where the JSON transcoding serves REST).
/// </summary>
public static class ProxyConfiguration
{
    /// <summary>Authorization policy of routes that need a valid bearer token.</summary>
    public const string AuthenticatedPolicy = "mesh-authenticated";

    /// <summary>Authorization policy of public routes: no token needed, but a token that is sent must be valid.</summary>
    public const string PublicPolicy = "mesh-public";

    /// <summary>Request-timeout policy of unary routes (<see cref="GatewayOptions.RequestTimeout"/>); streams have none.</summary>
    public const string UnaryTimeoutPolicy = "mesh-unary";

    /// <summary>
    /// YARP cancels a forwarded call that shows no activity for this long. Unary calls end far earlier by their own
    /// timeout (<see cref="GatewayOptions.RequestTimeout"/>); a server stream may be quiet between events for as long
    /// as its caller stays, so the cluster-wide idle limit is long rather than YARP's 100 s.
    /// </summary>
    public static readonly TimeSpan StreamIdleLimit = TimeSpan.FromHours(12);

    public static IReadOnlyList<RouteConfig> Routes(EdgeRouteTable table) =>
        table.Routes.Select(route => new RouteConfig
        {
            RouteId = route.Id,
            ClusterId = route.Backend,
            Match = new RouteMatch { Path = route.Pattern, Methods = [route.HttpMethod] },
            AuthorizationPolicy = route.IsPublic ? PublicPolicy : AuthenticatedPolicy,
            TimeoutPolicy = route.IsServerStreaming ? null : UnaryTimeoutPolicy,
        }).ToList();

    public static IReadOnlyList<ClusterConfig> Clusters(GatewayServices services) =>
        services.Backends.Select(backend => new ClusterConfig
        {
            ClusterId = backend,
            Destinations = new Dictionary<string, DestinationConfig>
            {
                // The "_http." prefix asks discovery for the service's endpoint named "http" (services__{name}__http__N).
                ["discovered"] = new() { Address = DestinationAddress(backend) },
            },
            HttpRequest = new ForwarderRequestConfig
            {
                // The services' http endpoint speaks HTTP/1.1 only (their grpc endpoint is the HTTP/2 one).
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                ActivityTimeout = StreamIdleLimit,
            },
        }).ToList();

    public static string DestinationAddress(string backend) => $"http://_http.{backend}";
}
