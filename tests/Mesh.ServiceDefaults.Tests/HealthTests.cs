using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Mesh.Servers;
using Mesh.ServiceDefaults.Health;
using Mesh.ServiceDefaults.Hosting;
using Mesh.ServiceDefaults.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>/alive, /health and grpc.health.v1: where they answer, and what they say while starting, running, missing a dependency and draining.</summary>
public sealed class HealthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_turns_unhealthy_when_postgres_stops_and_healthy_again_when_it_is_back()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-defaults-health-").FullName;
        var options = new PostgresOptions { DataDirectory = Path.Combine(dir, "pg"), Ephemeral = true };
        var postgres = await PostgresServer.StartAsync(options, Ct);
        options = options with { Port = postgres.Port }; // a restart must come back where the service looks
        try
        {
            // The Aspire Npgsql integration registers its health check into the service's one set of checks.
            await using var service = await ServiceHost.StartAsync("health",
                builder => builder.AddNpgsqlDataSource("bookingdb"),
                new Dictionary<string, string?> { ["ConnectionStrings:bookingdb"] = postgres.ConnectionString });
            using var http = new HttpClient { BaseAddress = service.HttpAddress };
            using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
            var grpcHealth = new Grpc.Health.V1.Health.HealthClient(channel);

            await Wait.UntilAsync(async () => (await http.GetAsync("/health", Ct)).StatusCode == HttpStatusCode.OK, "healthy at start");
            await Wait.UntilAsync(async () => (await grpcHealth.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct)).Status == ServingStatus.Serving,
                "grpc SERVING at start");

            await postgres.StopAsync();
            NpgsqlConnection.ClearAllPools();

            await Wait.UntilAsync(async () => (await http.GetAsync("/health", Ct)).StatusCode == HttpStatusCode.ServiceUnavailable, "unhealthy without postgres");
            var alive = await http.GetAsync("/alive", Ct);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode); // the process is fine: nothing should restart it
            Assert.Contains("Healthy", await alive.Content.ReadAsStringAsync(Ct));
            await Wait.UntilAsync(async () => (await grpcHealth.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct)).Status == ServingStatus.NotServing,
                "grpc NOT_SERVING without postgres");

            postgres = await PostgresServer.StartAsync(options, Ct);

            await Wait.UntilAsync(async () => (await http.GetAsync("/health", Ct)).StatusCode == HttpStatusCode.OK, "healthy again");
            await Wait.UntilAsync(async () => (await grpcHealth.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct)).Status == ServingStatus.Serving,
                "grpc SERVING again");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await postgres.StopAsync();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [Fact]
    public async Task Health_endpoints_answer_on_the_http_endpoint_only()
    {
        await using var service = await ServiceHost.StartAsync("endpoints");
        using var http = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(service.HttpAddress, "/alive"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(service.HttpAddress, "/health"), Ct)).StatusCode);

        // The grpc endpoint speaks HTTP/2 only; asked for the probes over h2c it does not serve them.
        using var h2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        Assert.Equal(HttpStatusCode.NotFound, (await h2.GetAsync(new Uri(service.GrpcAddress, "/health"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await h2.GetAsync(new Uri(service.GrpcAddress, "/alive"), Ct)).StatusCode);

        // grpc.health.v1 is on the grpc endpoint.
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        var reply = await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), cancellationToken: Ct);
        Assert.Equal(ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Grpc_health_is_not_serving_while_the_service_is_still_starting()
    {
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A start step that takes its time (a cache warm-up, say) while Kestrel already listens.
        var service = ServiceHost.Create("starting", builder => builder.Services.AddHostedService(sp =>
            new SlowStart(sp.GetRequiredService<ServiceEndpoints>(), listening, release.Task)));
        await using var _ = service;
        var starting = service.StartAsync();

        var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        using var channel = GrpcChannel.ForAddress(address);
        var grpcHealth = new Grpc.Health.V1.Health.HealthClient(channel);
        Assert.Equal(ServingStatus.NotServing, (await grpcHealth.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct)).Status);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri(service.HttpAddress, "/health"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(service.HttpAddress, "/alive"), Ct)).StatusCode);

        release.SetResult();
        await starting.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.Equal(ServingStatus.Serving, (await grpcHealth.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct)).Status);
    }

    [Fact]
    public async Task Grpc_health_is_not_serving_while_the_service_drains()
    {
        // In Kubernetes the service keeps serving for a while after SIGTERM, not ready, so balancers stop sending.
        await using var service = await ServiceHost.StartAsync("draining",
            settings: new Dictionary<string, string?> { [HostingExtensions.ShutdownDelayKey] = "00:05:00" });
        using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
        var grpcHealth = new Grpc.Health.V1.Health.HealthClient(channel);
        Assert.Equal(ServingStatus.Serving, (await grpcHealth.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct)).Status);
        var readiness = service.Services.GetRequiredService<LifecycleReadiness>();
        Assert.True(readiness.IsReady);

        using var endDelay = new CancellationTokenSource();
        var stopping = service.App.StopAsync(endDelay.Token);   // as on SIGTERM
        try
        {
            // Still answering (the shutdown delay), but not ready.
            await Wait.UntilAsync(async () => (await grpcHealth.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct)).Status == ServingStatus.NotServing,
                "grpc NOT_SERVING once shutdown began");
            Assert.False(readiness.IsReady);
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri(service.HttpAddress, "/health"), Ct)).StatusCode);
            Assert.False(stopping.IsCompleted);
        }
        finally
        {
            await endDelay.CancelAsync();   // cut the five minutes short
            await stopping.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }
    }

    /// <summary>Holds the start up in its last step: Kestrel listens (every StartAsync ran), ApplicationStarted has not fired.</summary>
    private sealed class SlowStart(ServiceEndpoints endpoints, TaskCompletionSource<Uri> listening, Task release) : IHostedLifecycleService
    {
        public async Task StartedAsync(CancellationToken cancellationToken)
        {
            listening.TrySetResult(endpoints.GrpcAddress);
            await release.WaitAsync(cancellationToken);
        }

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
