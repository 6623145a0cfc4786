using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.ServiceDefaults.Hosting;

/// <summary>
/// Graceful shutdown in two steps. On SIGTERM the service turns not-ready at once (Health/LifecycleReadiness),
/// then keeps serving for <see cref="ShutdownDelay"/> so load balancers and meshes stop sending new calls
/// (Kubernetes removes the pod from endpoints asynchronously). Then Kestrel stops accepting and in-flight calls
/// get up to the drain timeout (HostOptions.ShutdownTimeout) to finish.
/// </summary>
internal sealed class ShutdownDrain(TimeSpan shutdownDelay, IHostApplicationLifetime lifetime, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    public TimeSpan ShutdownDelay { get; } = shutdownDelay;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (ShutdownDelay <= TimeSpan.Zero) return;
        // SIGTERM raised ApplicationStopping already; a direct IHost.StopAsync raises it only after every StoppingAsync,
        // which would keep the service ready through the delay. Raising it here (a no-op the second time) turns it
        // not-ready first either way.
        lifetime.StopApplication();
        logger.LogInformation("Shutting down: not ready; serving for {Delay} more before draining.", ShutdownDelay);
        try { await Task.Delay(ShutdownDelay, cancellationToken); }
        catch (OperationCanceledException) { /* the host's own stop timeout wins */ }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
