using k8s;
using k8s.Models;

namespace Mesh.Manifests.Istio.Resources;

/// <summary>telemetry.istio.io/v1 Telemetry: where the sidecars send their spans and how many they keep.</summary>
public sealed record Telemetry : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "telemetry.istio.io/v1";
    public string Kind { get; set; } = "Telemetry";
    public required V1ObjectMeta Metadata { get; set; }
    public required TelemetrySpec Spec { get; init; }
}

public sealed record TelemetrySpec(IReadOnlyList<TracingSpec> Tracing);

public sealed record TracingSpec(IReadOnlyList<ProviderRef> Providers, double RandomSamplingPercentage);

/// <param name="Name">An extension provider of meshConfig (an OpenTelemetry collector).</param>
public sealed record ProviderRef(string Name);
