using k8s;
using k8s.Models;

namespace Mesh.Manifests.Istio.Resources;

/// <summary>networking.istio.io/v1 VirtualService: the routes to a host, each with its timeout and retry policy.</summary>
public sealed record VirtualService : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "networking.istio.io/v1";
    public string Kind { get; set; } = "VirtualService";
    public required V1ObjectMeta Metadata { get; set; }
    public required VirtualServiceSpec Spec { get; init; }
}

/// <param name="Gateways">Absent: the routes apply to calls inside the mesh; set: to what those gateways receive.</param>
public sealed record VirtualServiceSpec(IReadOnlyList<string> Hosts, IReadOnlyList<HttpRoute> Http, IReadOnlyList<string>? Gateways = null);

/// <summary>Routes are tried in order; the first whose match list has a matching entry takes the request.</summary>
public sealed record HttpRoute(
    string Name,
    IReadOnlyList<HttpMatchRequest> Match,
    IReadOnlyList<RouteDestination> Route,
    string Timeout,
    RetryPolicy Retries);

/// <summary>All fields that are set must match.</summary>
public sealed record HttpMatchRequest(StringMatch? Uri = null, StringMatch? Method = null, int? Port = null);

/// <summary>Exactly one of the three is set.</summary>
public sealed record StringMatch(string? Exact = null, string? Prefix = null, string? Regex = null);

public sealed record RouteDestination(Destination Destination);

public sealed record Destination(string Host, PortSelector Port);

public sealed record PortSelector(int Number);

/// <param name="Attempts">0: no retry at all. Said explicitly, since Istio retries a route that says nothing.</param>
public sealed record RetryPolicy(int Attempts, string? PerTryTimeout = null, string? RetryOn = null);
