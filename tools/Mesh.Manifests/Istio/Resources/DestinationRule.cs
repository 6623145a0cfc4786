using k8s;
using k8s.Models;

namespace Mesh.Manifests.Istio.Resources;

/// <summary>networking.istio.io/v1 DestinationRule: how callers' sidecars connect to a host (pools, ejection, mTLS).</summary>
public sealed record DestinationRule : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "networking.istio.io/v1";
    public string Kind { get; set; } = "DestinationRule";
    public required V1ObjectMeta Metadata { get; set; }
    public required DestinationRuleSpec Spec { get; init; }
}

public sealed record DestinationRuleSpec(string Host, TrafficPolicySpec TrafficPolicy);

public sealed record TrafficPolicySpec(
    ConnectionPoolSettings? ConnectionPool = null,
    OutlierDetection? OutlierDetection = null,
    ClientTls? Tls = null);

public sealed record ConnectionPoolSettings(TcpSettings Tcp, HttpSettings? Http = null);

public sealed record TcpSettings(int MaxConnections, string ConnectTimeout);

/// <param name="MaxRequestsPerConnection">0: unlimited, so HTTP/2 connections are kept and multiplexed.</param>
public sealed record HttpSettings(int Http1MaxPendingRequests, int Http2MaxRequests, int MaxRequestsPerConnection, string IdleTimeout);

public sealed record OutlierDetection(int Consecutive5xxErrors, string Interval, string BaseEjectionTime, int MaxEjectionPercent);

/// <param name="Mode">ISTIO_MUTUAL inside the mesh; DISABLE towards a server outside it (its client does its own TLS).</param>
public sealed record ClientTls(string Mode);
