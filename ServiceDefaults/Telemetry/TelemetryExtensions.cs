using Mesh.Grpc.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace Mesh.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>
    /// Traces (gRPC server/client, ASP.NET Core, HttpClient, Npgsql, RabbitMQ), metrics (rpc.*.duration, runtime,
    /// process, Kestrel) and logs, exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    /// </summary>
    public static IHostApplicationBuilder ConfigureOpenTelemetry(this IHostApplicationBuilder builder)
    {
        var otlp = OtlpSettings.From(builder.Configuration);
        if (otlp is not null)
        {
            var resource = OtlpSettings.Resource(builder.Configuration, builder.Environment);
            builder.Logging.AddOpenTelemetry(o =>
            {
                o.SetResourceBuilder(resource);
                o.IncludeFormattedMessage = true;
                o.IncludeScopes = true;
                o.AddOtlpExporter(e => otlp.Apply(e, "v1/logs"));
            });
        }

        builder.Services.AddSingleton<TelemetryProviders>();
        // Attributes on the request span (once, however often this is called).
        builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<Microsoft.AspNetCore.Hosting.IStartupFilter, HttpServerSpanTags>());
        builder.Services.AddHostedService<TelemetryStartup>();
        builder.Services.AddGrpc();
        // Outermost server interceptor: the span covers everything else the call does.
        builder.Services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add(new GrpcServerTelemetryInterceptor()));
        return builder;
    }

    /// <summary>Adds an exporter, processor or source to the service's providers (tests use it for an in-memory exporter).</summary>
    public static IHostApplicationBuilder ConfigureTelemetry(this IHostApplicationBuilder builder, TelemetryConfigurator configurator)
    {
        builder.Services.AddSingleton(configurator);
        return builder;
    }
}
