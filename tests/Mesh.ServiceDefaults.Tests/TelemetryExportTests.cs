using System.Diagnostics.Metrics;
using Mesh.ServiceDefaults.Telemetry;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;

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
        await using var caller = TestClient.For([service.GrpcAddress]);
        var reply = await caller.Client.ReadAsync(new ProbeRequest { Key = "otlp" }, cancellationToken: ct);
        Assert.Equal("otlp", reply.Server);
        Assert.NotNull(service.Services.GetService(typeof(TelemetryProviders)));
    }

    [Fact]
    public async Task Server_and_client_durations_are_recorded_with_rpc_attributes()
    {
        var ct = TestContext.Current.CancellationToken;
        var recorded = new List<(string Instrument, string? Method, object? Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MeshTelemetry.GrpcSourceName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
        {
            string? method = null;
            object? status = null;
            string? service = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "rpc.method") method = tag.Value as string;
                if (tag.Key == "rpc.grpc.status_code") status = tag.Value;
                if (tag.Key == "rpc.service") service = tag.Value as string;
            }
            if (service == "mesh.defaults_test.v1.Probe")
                lock (recorded) recorded.Add((instrument.Name, method, status));
        });
        listener.Start();

        await using var service = await ServiceHost.StartAsync("metrics");
        await using var caller = TestClient.For([service.GrpcAddress]);
        await caller.Client.PutAsync(new ProbeRequest { Key = "metric" }, cancellationToken: ct);
        await Assert.ThrowsAsync<RpcException>(() => caller.Client.ActAsync(
            new ProbeRequest { Key = "metric-fail", FailCode = (int)StatusCode.NotFound, FailTimes = -1 }, cancellationToken: ct).ResponseAsync);

        lock (recorded)
        {
            Assert.Contains(("rpc.client.duration", "Put", (object?)0), recorded);
            Assert.Contains(("rpc.server.duration", "Put", (object?)0), recorded);
            Assert.Contains(("rpc.client.duration", "Act", (object?)(int)StatusCode.NotFound), recorded);
            Assert.Contains(("rpc.server.duration", "Act", (object?)(int)StatusCode.NotFound), recorded);
        }
    }
}
