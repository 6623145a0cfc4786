using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Mesh.ServiceDefaults.Health;

/// <summary>
/// Not ready until the host has fully started (migrations run, listeners bound) and not ready again from the
/// moment shutdown begins, so balancers stop sending calls before Kestrel drains and closes.
/// </summary>
public sealed class LifecycleReadiness : IHealthCheck
{
    private volatile bool _started;
    private volatile bool _stopping;

    public LifecycleReadiness(IHostApplicationLifetime lifetime)
    {
        // Register runs the callback at once if the event has already happened.
        lifetime.ApplicationStarted.Register(() => _started = true);
        lifetime.ApplicationStopping.Register(() => _stopping = true);
    }

    public bool IsReady => _started && !_stopping;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_stopping ? HealthCheckResult.Unhealthy("Shutting down.")
            : _started ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Starting."));
}
