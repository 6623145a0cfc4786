using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Gateway.Health;

/// <summary>
/// One per fronted service, so /health names each: the service's own /health on its http endpoint (found through
/// service discovery, as the routes are), healthy when it answers 200. A service that is down makes the edge
/// Degraded, not Unhealthy: the edge still serves every other service's routes, so it must stay in rotation.
/// </summary>
public sealed class UpstreamHealthCheck(string service, IHttpClientFactory http) : IHealthCheck
{
    public const string HttpClientName = "upstream-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var client = http.CreateClient(HttpClientName);
            using var response = await client.GetAsync($"{Routing.ProxyConfiguration.DestinationAddress(service)}/health", cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy($"{service} is ready")
                : HealthCheckResult.Degraded($"{service} answered /health with {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            return HealthCheckResult.Degraded($"{service} is unreachable: {e.Message}");
        }
    }
}
