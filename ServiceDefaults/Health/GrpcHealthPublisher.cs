using Mesh.Grpc.Health;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Mesh.ServiceDefaults.Health;

/// <summary>
/// Keeps grpc.health.v1 saying what /health says: it runs the same checks every <see cref="Interval"/> and sets
/// the status of the whole server ("") and of every mapped gRPC service to SERVING or NOT_SERVING. NOT_SERVING
/// until the host has started, and at once when shutdown begins (without waiting for the next round).
/// </summary>
internal sealed class GrpcHealthPublisher(
    HealthCheckService checks,
    HealthServiceImpl grpcHealth,
    EndpointDataSource endpoints,
    IHostApplicationLifetime lifetime,
    TimeSpan interval) : BackgroundService
{
    public TimeSpan Interval { get; } = interval;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Publish(ServingStatus.NotServing);
        lifetime.ApplicationStopping.Register(() => Publish(ServingStatus.NotServing));
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStarted.IsCancellationRequested) { }

        while (!stoppingToken.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested)
        {
            var report = await checks.CheckHealthAsync(stoppingToken).ConfigureAwait(false);
            if (lifetime.ApplicationStopping.IsCancellationRequested) break;
            Publish(report.Status == HealthStatus.Unhealthy ? ServingStatus.NotServing : ServingStatus.Serving);
            try { await Task.Delay(Interval, stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
        }
    }

    private void Publish(ServingStatus status)
    {
        grpcHealth.SetStatus("", status);
        foreach (var service in GrpcServiceNames()) grpcHealth.SetStatus(service, status);
    }

    /// <summary>The gRPC services mapped on this host (their endpoints carry the method descriptor as metadata).</summary>
    private IEnumerable<string> GrpcServiceNames() =>
        endpoints.Endpoints
            .Select(e => e.Metadata.GetMetadata<IMethod>()?.ServiceName)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
}
