using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mesh.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>
    /// OpenTelemetry.Extensions.Hosting with the ASP.NET Core (gRPC server calls are its requests), HttpClient,
    /// gRPC client, runtime, Npgsql and Redis instrumentations (the Aspire client integrations add the last two), our
    /// RabbitMQ spans, logs with scopes; exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (UseOtlpExporter
    /// reads OTEL_EXPORTER_OTLP_PROTOCOL and _HEADERS too). OTEL_SERVICE_NAME names the service. Which traces are
    /// recorded: <see cref="TraceSampling"/> (every one in Development, a share of new ones elsewhere, whole traces).
    /// </summary>
    public static IHostApplicationBuilder ConfigureOpenTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddAttributes([new("deployment.environment.name", builder.Environment.EnvironmentName)]))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(MeshTelemetry.Meters))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(MeshTelemetry.TracingSources)
                // Probes are not worth a trace each.
                .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/alive") &&
                    !context.Request.Path.StartsWithSegments("/grpc.health.v1.Health"))
                // The gRPC client span says all the HttpClient span under it would (method, peer, status, timing):
                // one client span per call, the server's span its direct child.
                .AddGrpcClientInstrumentation(o => o.SuppressDownstreamInstrumentation = true)
                .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = request =>
                    request.RequestUri?.AbsolutePath.StartsWith("/grpc.health.v1.Health", StringComparison.Ordinal) != true));

        if (TraceSampling.Default(builder.Configuration, builder.Environment) is { } sampler)
            telemetry.WithTracing(tracing => tracing.SetSampler(sampler));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry.UseOtlpExporter();
        return builder;
    }
}
