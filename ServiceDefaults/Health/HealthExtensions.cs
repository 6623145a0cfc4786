using Mesh.Grpc.Health;
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

public static class HealthExtensions
{
    /// <summary>Checks tagged with this answer /alive: the process runs (never a dependency: a dead database must not restart us).</summary>
    public const string LiveTag = "live";

    /// <summary>Checks tagged with this are dependencies; /health and grpc.health.v1 run every check.</summary>
    public const string ReadyTag = "ready";

    public const string GrpcRefreshIntervalKey = "Mesh:Health:GrpcRefreshInterval";

    public static IHostApplicationBuilder AddDefaultHealthChecks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LifecycleReadiness>();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag])
            .Add(new HealthCheckRegistration("lifecycle", sp => sp.GetRequiredService<LifecycleReadiness>(), null, [ReadyTag]));

        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealth();
        var interval = builder.Configuration.GetValue(GrpcRefreshIntervalKey, TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton<IHostedService>(sp => new GrpcHealthPublisher(
            sp.GetRequiredService<HealthCheckService>(), sp.GetRequiredService<HealthServiceImpl>(),
            sp.GetRequiredService<EndpointDataSource>(), sp.GetRequiredService<IHostApplicationLifetime>(), interval));
        return builder;
    }

    /// <summary>/alive and /health on the http endpoint only; grpc.health.v1.Health on the grpc endpoint.</summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        var endpoints = app.Services.GetService<ServiceEndpoints>();
        app.MapHealthChecks("/alive", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponse.WriteAsync,
        }).Add(b => OnlyOnHttpEndpoint(b, endpoints));
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync })
            .Add(b => OnlyOnHttpEndpoint(b, endpoints));
        app.MapGrpcHealthService();
        return app;
    }

    internal static IHostApplicationBuilder AddDependencyCheck<TCheck>(this IHostApplicationBuilder builder, string connectionName,
        string kind, Func<string, TCheck> create) where TCheck : class, IHealthCheck
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not set (env ConnectionStrings__{connectionName}).");
        var check = create(connectionString);
        // One instance per dependency, owned by the container (disposed with the host); the registration hands it out.
        builder.Services.AddSingleton(new OwnedCheck(check));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration($"{kind}:{connectionName}", _ => check, null, [ReadyTag],
            TimeSpan.FromSeconds(10)));
        return builder;
    }

    private static void OnlyOnHttpEndpoint(EndpointBuilder endpoint, ServiceEndpoints? endpoints)
    {
        if (endpoints is null || endpoint.RequestDelegate is not { } next) return;
        endpoint.RequestDelegate = context =>
        {
            if (endpoints.IsHttpEndpoint(context.Connection.LocalPort)) return next(context);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        };
    }

    /// <summary>Makes the container dispose a check instance that was created at registration time.</summary>
    private sealed class OwnedCheck(object check) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => check switch
        {
            IAsyncDisposable a => a.DisposeAsync(),
            IDisposable d => Dispose(d),
            _ => ValueTask.CompletedTask,
        };

        private static ValueTask Dispose(IDisposable d)
        {
            d.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
