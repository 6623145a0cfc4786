using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Mesh.ServiceDefaults.Health;

/// <summary>
/// One set of ASP.NET Core health checks feeds three answers: <c>/alive</c> (liveness), <c>/health</c> (readiness)
/// and grpc.health.v1 (Grpc.AspNetCore.HealthChecks). The Aspire client integrations (Npgsql, Redis, RabbitMQ)
/// register their dependency checks into the same set.
/// </summary>
public static class HealthExtensions
{
    /// <summary>Checks tagged with this answer /alive: the process runs (never a dependency: a dead database must not restart us).</summary>
    public const string LiveTag = "live";

    /// <summary>Checks tagged with this are dependencies; /health and grpc.health.v1 run every check.</summary>
    public const string ReadyTag = "ready";

    /// <summary>How often grpc.health.v1 Watch streams see a fresh verdict (the health check publisher's period).</summary>
    public const string GrpcRefreshIntervalKey = "Mesh:Health:GrpcRefreshInterval";

    public static IHostApplicationBuilder AddDefaultHealthChecks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LifecycleReadiness>();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag])
            .Add(new HealthCheckRegistration("lifecycle", sp => sp.GetRequiredService<LifecycleReadiness>(), null, [ReadyTag]));

        // grpc.health.v1: service "" is every check (the same verdict as /health).
        builder.Services.AddGrpcHealthChecks();
        var interval = builder.Configuration.GetValue(GrpcRefreshIntervalKey, TimeSpan.FromSeconds(5));
        builder.Services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.Zero;
            o.Period = interval;
        });
        return builder;
    }

    /// <summary>/alive and /health on the http endpoint only; grpc.health.v1.Health on the grpc endpoint.</summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        var onlyOnHttpEndpoint = HttpEndpointOnly.Apply(app.Services);
        app.MapHealthChecks("/alive", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponse.WriteAsync,
        }).Add(onlyOnHttpEndpoint);
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync })
            .Add(onlyOnHttpEndpoint);
        app.MapGrpcHealthChecksService();
        return app;
    }
}
