using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StatusCode = Grpc.Core.StatusCode;

namespace Mesh.ServiceDefaults.Tests;

public sealed class TelemetryExportTests
{
    [Fact]
    public async Task A_service_with_an_otlp_endpoint_starts_serves_and_stops_even_if_no_collector_listens()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var service = await ServiceHost.StartAsync("otlp", settings: new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9", // discard port: nothing answers
            ["OTEL_SERVICE_NAME"] = "otlp-test",
        });
        await using var caller = await TestClient.StartAsync([service.GrpcAddress], service: "otlp");
        var reply = await caller.Client.ReadAsync(new ProbeRequest { Key = "otlp" }, cancellationToken: ct);
        Assert.Equal("otlp", reply.Server);
        Assert.NotNull(service.Services.GetService<TracerProvider>());
        Assert.NotNull(service.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task Grpc_calls_are_measured_on_both_sides_by_the_services_metrics_pipeline()
    {
        var ct = TestContext.Current.CancellationToken;
        var serverMetrics = new List<Metric>();
        var clientMetrics = new List<Metric>();
        await using var service = await ServiceHost.StartAsync("metrics",
            builder => builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddInMemoryExporter(serverMetrics)));
        await using var caller = await TestClient.StartAsync([service.GrpcAddress], service: "metrics",
            configure: builder => builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddInMemoryExporter(clientMetrics)));

        await caller.Client.PutAsync(new ProbeRequest { Key = "metric" }, cancellationToken: ct);
        await Assert.ThrowsAsync<RpcException>(() => caller.Client.ActAsync(
            new ProbeRequest { Key = "metric-fail", FailCode = (int)StatusCode.NotFound, FailTimes = -1 }, cancellationToken: ct).ResponseAsync);

        Assert.True(service.Services.GetRequiredService<MeterProvider>().ForceFlush());
        Assert.True(caller.Services.GetRequiredService<MeterProvider>().ForceFlush());

        // ASP.NET Core's request duration, one series per gRPC method (its route).
        var routes = Tags(serverMetrics, "http.server.request.duration", "http.route");
        Assert.Contains("/mesh.defaults_test.v1.Probe/Put", routes);
        Assert.Contains("/mesh.defaults_test.v1.Probe/Act", routes);
        // The caller's HttpClient request duration, to the address service discovery resolved.
        var ports = Tags(clientMetrics, "http.client.request.duration", "server.port");
        Assert.Contains(service.GrpcAddress.Port.ToString(), ports);
    }

    private static List<string> Tags(List<Metric> metrics, string name, string tag)
    {
        var values = new List<string>();
        lock (metrics)
        {
            foreach (var metric in metrics.Where(m => m.Name == name))
                foreach (ref readonly var point in metric.GetMetricPoints())
                    foreach (var t in point.Tags)
                        if (t.Key == tag && t.Value is not null) values.Add(t.Value.ToString()!);
        }
        return values;
    }
}
