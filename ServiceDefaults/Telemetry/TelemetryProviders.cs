using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mesh.ServiceDefaults.Telemetry;

/// <summary>
/// The service's TracerProvider and MeterProvider, built by hand because OpenTelemetry.Extensions.Hosting is not
/// available here. A singleton: the host creates it at start (<see cref="TelemetryStartup"/>) and disposes it —
/// flushing what is buffered — when the host is disposed.
/// </summary>
public sealed class TelemetryProviders : IDisposable
{
    public TelemetryProviders(IConfiguration configuration, IHostEnvironment environment, IEnumerable<TelemetryConfigurator> configurators)
    {
        var resource = OtlpSettings.Resource(configuration, environment);
        var otlp = OtlpSettings.From(configuration);
        var extra = configurators.ToList();

        var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(MeshTelemetry.TracingSources);
        if (otlp is not null) tracing.AddOtlpExporter(o => otlp.Apply(o, "v1/traces"));
        foreach (var c in extra) c.Tracing?.Invoke(tracing);
        Tracer = tracing.Build()!;

        var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(MeshTelemetry.Meters);
        if (otlp is not null) metrics.AddOtlpExporter(o => otlp.Apply(o, "v1/metrics"));
        foreach (var c in extra) c.Metrics?.Invoke(metrics);
        Meter = metrics.Build()!;
    }

    public TracerProvider Tracer { get; }
    public MeterProvider Meter { get; }

    public void Dispose()
    {
        Tracer.Dispose(); // Dispose flushes the exporters
        Meter.Dispose();
    }
}

/// <summary>Extra setup for the providers (an exporter for tests, a sampler, more sources). Register as a singleton.</summary>
public sealed class TelemetryConfigurator
{
    public Action<TracerProviderBuilder>? Tracing { get; init; }
    public Action<MeterProviderBuilder>? Metrics { get; init; }
}

/// <summary>Builds the providers when the host starts, so the first request is already traced.</summary>
internal sealed class TelemetryStartup(TelemetryProviders providers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(providers);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        providers.Tracer.ForceFlush(5000);
        providers.Meter.ForceFlush(5000);
        return Task.CompletedTask;
    }
}

/// <summary>OTEL_EXPORTER_OTLP_ENDPOINT / _PROTOCOL / _HEADERS and OTEL_SERVICE_NAME, read from configuration (env included).</summary>
internal sealed class OtlpSettings
{
    private OtlpSettings(Uri endpoint, OtlpExportProtocol protocol, string? headers)
    {
        Endpoint = endpoint;
        Protocol = protocol;
        Headers = headers;
    }

    public Uri Endpoint { get; }
    public OtlpExportProtocol Protocol { get; }
    public string? Headers { get; }

    public static OtlpSettings? From(IConfiguration configuration)
    {
        if (configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is not { Length: > 0 } endpoint) return null;
        var protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] is "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        return new OtlpSettings(new Uri(endpoint), protocol, configuration["OTEL_EXPORTER_OTLP_HEADERS"]);
    }

    public static ResourceBuilder Resource(IConfiguration configuration, IHostEnvironment environment) =>
        ResourceBuilder.CreateDefault()
            .AddService(configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : environment.ApplicationName)
            .AddAttributes([new("deployment.environment.name", environment.EnvironmentName)]);

    /// <summary>The base endpoint from the environment plus, for http/protobuf, the signal's path (as the spec says).</summary>
    public void Apply(OtlpExporterOptions options, string signalPath)
    {
        options.Protocol = Protocol;
        options.Endpoint = Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(Endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath)
            : Endpoint;
        if (Headers is not null) options.Headers = Headers;
    }
}
