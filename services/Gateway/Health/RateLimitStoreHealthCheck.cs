using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Mesh.Gateway.Health;

/// <summary>
/// The Redis that holds the rate limits, reported as Degraded (not Unhealthy) while it is unreachable: the limiter
/// fails open then (Policy/FailOpenRateLimiter), so the edge still serves and must stay in rotation.
/// </summary>
public sealed class RateLimitStoreHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public const string Name = "rate-limit-store";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(redis.IsConnected
            ? HealthCheckResult.Healthy("Redis is connected; rate limits are enforced")
            : HealthCheckResult.Degraded("Redis is unreachable; rate limits are not enforced until it is back"));
}
