using Microsoft.Extensions.Hosting;
using System.Net;
using Grpc.Health.V1;
using Mesh.Grpc.Client;
using Mesh.Hosting.Servers;
using Mesh.ServiceDefaults.Health;
using Mesh.ServiceDefaults.Tests.Support;
using Npgsql;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>/alive, /health and grpc.health.v1 against a real PostgreSQL that this test stops and starts again.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Health_turns_unhealthy_when_postgres_stops_and_healthy_again_when_it_is_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("mesh-defaults-health-").FullName;
        var options = new PostgresOptions { DataDirectory = Path.Combine(dir, "pg"), Ephemeral = true };
        var postgres = await PostgresServer.StartAsync(options, ct);
        options = options with { Port = postgres.Port }; // a restart must come back where the service looks
        try
        {
            await using var service = await ServiceHost.StartAsync("health",
                builder => builder.AddPostgresHealthCheck("bookingdb"),
                new Dictionary<string, string?> { ["ConnectionStrings:bookingdb"] = postgres.ConnectionString });
            using var http = new HttpClient { BaseAddress = service.HttpAddress };
            using var channel = GrpcChannel.ForAddress(service.GrpcAddress);
            var grpcHealth = new global::Grpc.Health.V1.Health.HealthClient(channel);

            await Wait.UntilAsync(async () => (await http.GetAsync("/health", ct)).StatusCode == HttpStatusCode.OK, "healthy at start");
            await Wait.UntilAsync(async () => (await grpcHealth.CheckAsync(new HealthCheckRequest(), cancellationToken: ct)).Status == ServingStatus.Serving,
                "grpc SERVING at start");

            await postgres.StopAsync();
            NpgsqlConnection.ClearAllPools();

            await Wait.UntilAsync(async () => (await http.GetAsync("/health", ct)).StatusCode == HttpStatusCode.ServiceUnavailable, "unhealthy without postgres");
            var body = await http.GetStringAsync("/alive", ct);
            Assert.Contains("Healthy", body); // the process is fine: nothing should restart it
            await Wait.UntilAsync(async () =>
                (await grpcHealth.CheckAsync(new HealthCheckRequest { Service = "mesh.defaults_test.v1.Probe" }, cancellationToken: ct)).Status == ServingStatus.NotServing,
                "grpc NOT_SERVING for the service without postgres");

            postgres = await PostgresServer.StartAsync(options, ct);

            await Wait.UntilAsync(async () => (await http.GetAsync("/health", ct)).StatusCode == HttpStatusCode.OK, "healthy again");
            await Wait.UntilAsync(async () => (await grpcHealth.CheckAsync(new HealthCheckRequest(), cancellationToken: ct)).Status == ServingStatus.Serving,
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
        var ct = TestContext.Current.CancellationToken;
        await using var service = await ServiceHost.StartAsync("endpoints");
        using var http = new HttpClient();

        var alive = await http.GetAsync(new Uri(service.HttpAddress, "/alive"), ct);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);

        // The grpc endpoint speaks HTTP/2 only; asked for /health over h2c it does not serve it.
        using var h2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var onGrpc = await h2.GetAsync(new Uri(service.GrpcAddress, "/health"), ct);
        Assert.Equal(HttpStatusCode.NotFound, onGrpc.StatusCode);
    }

    [Fact]
    public async Task Not_ready_once_shutdown_begins()
    {
        await using var service = await ServiceHost.StartAsync("draining");
        var readiness = (LifecycleReadiness)service.Services.GetService(typeof(LifecycleReadiness))!;
        Assert.True(readiness.IsReady);

        var lifetime = (Microsoft.Extensions.Hosting.IHostApplicationLifetime)service.Services.GetService(typeof(Microsoft.Extensions.Hosting.IHostApplicationLifetime))!;
        lifetime.StopApplication();
        Assert.False(readiness.IsReady);
    }
}
