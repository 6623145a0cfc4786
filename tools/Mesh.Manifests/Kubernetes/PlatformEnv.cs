using Mesh.Manifests.AppModel;
using Mesh.Manifests.Conventions;

namespace Mesh.Manifests.Kubernetes;

/// <summary>
/// What a service needs on Kubernetes beyond the Aspire manifest, which leaves these to the orchestrator that runs it:
/// its telemetry name and collector, and one retry layer instead of two.
/// </summary>
public static class PlatformEnv
{
    public static IReadOnlyList<WorkloadEnv> For(Workload service)
    {
        List<WorkloadEnv> env =
        [
            new("OTEL_SERVICE_NAME", service.Name, null),
            new("OTEL_EXPORTER_OTLP_ENDPOINT", MeshConventions.OtlpEndpoint, null),
            new("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", null),
            // Istio's sidecar retries the idempotent methods (the VirtualServices) and picks another replica to do
            // it; the client's own retries on top would multiply the attempts.
            new("Mesh__Resilience__MaxAttempts", "1", null),
        ];
        return [.. env.Where(e => service.Env.All(existing => existing.Name != e.Name))];
    }
}
