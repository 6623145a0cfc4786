using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;
using Mesh.Manifests.Istio.Resources;
using Mesh.Manifests.Kubernetes;

namespace Mesh.Manifests.Istio;

/// <summary>
/// How callers reach a workload: Istio's mTLS, bounded connection pools, and (for our services, which run several
/// replicas) ejection of a replica that keeps failing. A server outside the mesh is reached without Istio's TLS.
/// </summary>
public static class DestinationRuleFactory
{
    public static DestinationRule Create(Workload workload) => new()
    {
        Metadata = ObjectMeta.For(workload.Name),
        Spec = new DestinationRuleSpec(
            MeshConventions.Host(workload.Name),
            workload.Kind == WorkloadKind.Service
                ? new TrafficPolicySpec(
                    new ConnectionPoolSettings(
                        Tcp(),
                        new HttpSettings(
                            TrafficPolicy.Http1MaxPendingRequests,
                            TrafficPolicy.Http2MaxRequests,
                            MaxRequestsPerConnection: 0,
                            TrafficPolicy.IdleTimeout)),
                    new OutlierDetection(
                        TrafficPolicy.Consecutive5xxErrors,
                        TrafficPolicy.OutlierInterval,
                        TrafficPolicy.BaseEjectionTime,
                        TrafficPolicy.MaxEjectionPercent),
                    new ClientTls("ISTIO_MUTUAL"))
                // One server replica: there is nothing to eject it in favour of.
                : new TrafficPolicySpec(new ConnectionPoolSettings(Tcp()), Tls: new ClientTls("ISTIO_MUTUAL"))),
    };

    /// <summary>The rule for a server the cluster provides (external-servers): plain TCP from the sidecar, pools kept.</summary>
    public static DestinationRule External(Workload server) => new()
    {
        Metadata = ObjectMeta.For(server.Name),
        Spec = new DestinationRuleSpec(
            MeshConventions.Host(server.Name),
            new TrafficPolicySpec(new ConnectionPoolSettings(Tcp()), Tls: new ClientTls("DISABLE"))),
    };

    private static TcpSettings Tcp() => new(TrafficPolicy.MaxConnections, TrafficPolicy.ConnectTimeout);
}
