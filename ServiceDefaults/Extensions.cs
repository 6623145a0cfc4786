using Mesh.ServiceDefaults.Health;
using Mesh.ServiceDefaults.Hosting;
using Mesh.ServiceDefaults.OpenApi;
using Mesh.ServiceDefaults.Rest;
using Mesh.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

// Aspire's ServiceDefaults live in this namespace so Program.cs needs no extra using.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The defaults every Mesh service gets from one call. This file is the table of contents: each line points at one
/// concern, implemented in the folder of the same name.
/// <code>
/// var builder = WebApplication.CreateBuilder(args);
/// builder.AddServiceDefaults();
/// builder.AddTokenValidation();                                  // Auth/: JwtBearer, keys from the users service
/// builder.AddServiceClient&lt;Catalog.CatalogClient&gt;("catalog");   // Clients/: discovery, retries from the proto, breaker
/// builder.AddNpgsqlDataSource("bookingdb");                     // Aspire.Npgsql: data source, health check, traces
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
        builder.AddGrpcServer();              // Hosting/: Grpc.AspNetCore + JSON transcoding (REST), no NUL in requests, reflection in Development
        builder.AddRestOpenApi();             // OpenApi/: the REST routes' OpenAPI document (Grpc.Swagger), proto names as schema ids
        builder.ConfigureOpenTelemetry();     // Telemetry/: OpenTelemetry traces, metrics, logs; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set
        builder.AddDefaultHealthChecks();     // Health/: /alive, /health and grpc.health.v1 from the same checks
        builder.Services.AddServiceDiscovery();  // Microsoft.Extensions.ServiceDiscovery: http://catalog → services__catalog__grpc__N
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseRestTranscoding();             // Rest/: REST input checked before the transcoder reads it (400 naming the field); the rpc on the span
        app.MapHealthEndpoints();             // Health/: /alive and /health on the http endpoint, grpc.health.v1 on grpc
        app.MapRestOpenApi();                 // OpenApi/: GET /openapi/v1.json on the http endpoint
        app.MapDevelopmentReflection();       // Hosting/: reflection where enabled
        return app;
    }
}
