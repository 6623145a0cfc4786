using Mesh.ServiceDefaults.Health;
using Microsoft.Extensions.DependencyInjection;
using Mesh.ServiceDefaults.Hosting;
using Mesh.ServiceDefaults.Resilience;
using Mesh.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;

// Aspire's ServiceDefaults live in this namespace so Program.cs needs no extra using.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The defaults every Mesh service gets from one call. This file is the table of contents: each line
/// points at one concern, implemented in the folder of the same name.
/// <code>
/// var builder = WebApplication.CreateBuilder(args);
/// builder.AddServiceDefaults();
/// builder.AddTokenValidation();   // Auth/: bearer tokens → context.RequireUser(), keys from the users service
/// builder.AddGrpcClient&lt;Catalog.CatalogClient&gt;("catalog");
/// builder.AddPostgresHealthCheck("bookingdb");
/// var app = builder.Build();
/// app.MapGrpcService&lt;BookingApi&gt;();
/// app.MapDefaultEndpoints();
/// app.Run();
/// </code>
/// </summary>
public static class Extensions
{
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureServiceHosting();    // Hosting/: `grpc` (h2c) + `http` (HTTP/1.1) endpoints, drain on shutdown, JSON logs
        builder.ConfigureOpenTelemetry();     // Telemetry/: traces, metrics, logs; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set
        builder.AddDefaultHealthChecks();     // Health/: /alive, /health and grpc.health.v1, not ready while starting or draining
        builder.AddDevelopmentReflection();   // Hosting/: gRPC server reflection in Development (Mesh:Grpc:Reflection)
        builder.AddGrpcResilience();          // Resilience/: deadlines, idempotent-only retries, budget, breakers, propagation
        builder.Services.AddServiceDiscovery(); // Discovery/: then builder.AddGrpcClient<TClient>("name") per downstream service
        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthEndpoints();             // Health/: /alive and /health on the http endpoint, grpc.health.v1 on grpc
        app.MapDevelopmentReflection();       // Hosting/: reflection where enabled
        return app;
    }
}
