using Mesh.Manifests.Conventions;
using Mesh.Manifests.Istio.Resources;
using Mesh.Manifests.Kubernetes;

namespace Mesh.Manifests.Istio;

/// <summary>
/// The sidecars' spans go to the same OpenTelemetry collector as the services' own (OTEL_EXPORTER_OTLP_ENDPOINT), so
/// one trace shows the mesh's hops between the services' spans.
/// </summary>
public static class TelemetryFactory
{
    public const string Name = "mesh-tracing";

    public static Telemetry Create(double samplingPercent = TrafficPolicy.TraceSamplingPercent) => new()
    {
        Metadata = ObjectMeta.Shared(Name),
        Spec = new TelemetrySpec([new TracingSpec([new ProviderRef(MeshConventions.IstioTracingProvider)], samplingPercent)]),
    };
}
