using Grpc.Health.V1;
using Mesh.Gateway.Transcoding;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Gateway.Health;

/// <summary>
/// Ready while a backend the edge routes to answers grpc.health.v1 Check with SERVING (for the whole server, "").
/// One per backend, so /health names the one that is down.
/// </summary>
public sealed class UpstreamHealthCheck(string backend, IBackendInvokers invokers) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var client = new global::Grpc.Health.V1.Health.HealthClient(invokers.Get(backend));
            var reply = await client.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(3), cancellationToken: cancellationToken);
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? HealthCheckResult.Healthy($"{backend} is serving")
                : HealthCheckResult.Unhealthy($"{backend} is {reply.Status}");
        }
        catch (RpcException e)
        {
            return HealthCheckResult.Unhealthy($"{backend}: {e.StatusCode} {e.Status.Detail}");
        }
    }
}
