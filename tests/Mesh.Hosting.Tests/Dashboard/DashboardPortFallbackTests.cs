using System.Net;
using System.Net.Sockets;
using Mesh.Hosting.Dashboard;
using Mesh.Hosting.Tests.AppHost;

namespace Mesh.Hosting.Tests.Dashboard;

/// <summary>
/// The dashboard's fixed ports (18888 and 4318 by default) may be taken by something else: it moves to free ports,
/// says so, and the services export to where the receiver actually listens.
/// </summary>
public sealed class DashboardPortFallbackTests
{
    [Fact]
    public async Task Busy_fixed_ports_fall_back_to_free_ones_and_services_export_to_the_actual_receiver()
    {
        var ct = TestContext.Current.CancellationToken;
        using var uiSquatter = new TcpListener(IPAddress.Loopback, 0);
        using var otlpSquatter = new TcpListener(IPAddress.Loopback, 0);
        uiSquatter.Start();
        otlpSquatter.Start();
        var busyUi = ((IPEndPoint)uiSquatter.LocalEndpoint).Port;
        var busyOtlp = ((IPEndPoint)otlpSquatter.LocalEndpoint).Port;

        using var dir = new ScratchDirectory();
        var options = TestGraph.Options(dir.Path);
        options.Dashboard = new DashboardOptions { Port = busyUi, OtlpPort = busyOtlp }; // "fixed" ports, both taken
        var builder = DistributedApplication.CreateBuilder(options);
        builder.AddProject("items", TestGraph.TestService);
        await using var app = builder.Build();
        await app.StartAsync(ct);
        var dashboard = app.Dashboard!;

        Assert.NotEqual(busyUi, dashboard.Url!.Port);
        Assert.NotEqual(busyOtlp, dashboard.OtlpEndpoint!.Port);
        Assert.Contains(dashboard.Notices, n => n.Contains(busyUi.ToString()) && n.Contains(dashboard.Url.Port.ToString()));
        Assert.Contains(dashboard.Notices, n => n.Contains(busyOtlp.ToString()) && n.Contains(dashboard.OtlpEndpoint.Port.ToString()));
        Assert.Equal(dashboard.OtlpEndpoint.ToString().TrimEnd('/'), app.EnvironmentFor("items")["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Assert.Contains("items", await http.GetStringAsync(new Uri(dashboard.Url, "/resources"), ct));
        // The service's telemetry reaches the receiver on its fallback port (metrics are exported every second).
        var deadline = DateTime.UtcNow.AddSeconds(60); // a hang guard
        while (!dashboard.Telemetry.Metrics.Snapshot().Any(p => p.Service == "items"))
        {
            Assert.True(DateTime.UtcNow < deadline, "no telemetry from items on the fallback OTLP port in 60 s");
            await Task.Delay(200, ct);
        }
    }
}
