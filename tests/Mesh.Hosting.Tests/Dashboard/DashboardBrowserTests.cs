using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Mesh.Hosting.Dashboard;
using Mesh.Hosting.Tests.AppHost;

namespace Mesh.Hosting.Tests.Dashboard;

/// <summary>
/// A running test mesh watched through the dashboard in headless Debian chromium, driven by playwright-core
/// (tests/node/dashboard-e2e.js): the REAL gateway (services/Gateway, its own process) in front of a service that
/// serves the catalog contract's ListCities (the edge routes GET /v1/cities by the contract's google.api.http rule)
/// and calls a second service with two replicas. Every process exports its own spans over OTLP to the dashboard.
/// Screenshots of every page are written to TestResults/dashboard/ under the test output directory.
/// </summary>
public sealed class DashboardBrowserTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task One_rest_call_through_the_gateway_is_traced_across_services_and_the_ui_follows_logs_and_stops_starts_and_restarts_replicas()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var options = TestGraph.Options(dir.Path);
        options.RandomPorts = true;
        options.Dashboard = new DashboardOptions();
        var builder = DistributedApplication.CreateBuilder(options);
        var items = builder.AddProject("items", TestGraph.TestService).WithReplicas(2);
        var catalog = builder.AddProject("catalog", TestGraph.TestService).WithReference(items).WaitFor(items);
        var gateway = builder.AddProject("gateway", "services/Gateway").WithReference(catalog).WaitFor(catalog)
            // The edge's /health waits for every backend it fronts; this mesh runs only the catalog, so readiness is /alive.
            .WithHttpHealthCheck("/alive");
        // The other backends compiled into the edge get a closed loopback port (never a DNS lookup of "users").
        foreach (var absent in new[] { "users", "payment", "booking" })
            gateway.WithEnvironment($"services__{absent}__grpc__0", "http://127.0.0.1:9");
        var app = builder.Build();
        try
        {
            await app.StartAsync(ct);
            var dashboard = app.Dashboard!;

            // ONE REST call through the edge, in a trace whose id we choose (the edge continues an incoming traceparent).
            var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
            using (var call = new HttpRequestMessage(HttpMethod.Get, new Uri(app.InstancesOf("gateway")[0].Endpoints["http"], "/v1/cities")))
            {
                call.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..8])}-01");
                using var response = await Http.SendAsync(call, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                Assert.True(response.IsSuccessStatusCode, $"GET /v1/cities through the gateway: {(int)response.StatusCode} {body}");
                Assert.Contains("Teston", body);
            }
            await WaitUntilAsync(() => dashboard.Telemetry.Trace(traceId).Select(s => s.Service).Distinct().Count() >= 3, ct);

            var shots = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard");
            var restarted = app.InstancesOf("items")[0];
            var stopped = app.InstancesOf("items")[1];
            var restartedPid = restarted.Pid!.Value;
            var stoppedPid = stopped.Pid!.Value;
            var marker = $"printed after the page opened {Guid.NewGuid():N}";
            var seen = await RunBrowserAsync(new
            {
                @base = dashboard.Url!.ToString().TrimEnd('/'), traceId, consoleResource = "catalog",
                consolePrintUrl = new Uri(app.InstancesOf("catalog")[0].Endpoints["http"], "/print").ToString(), marker,
                restartResource = restarted.DisplayName, stopResource = stopped.DisplayName, shots,
            }, ct);

            Assert.Equal(app.Instances.Select(i => i.DisplayName).Order(), seen.GetProperty("resources").EnumerateArray().Select(e => e.GetString()!).Order());

            // The trace of that one call: spans from the gateway and both services behind it, with readable names.
            Assert.True(seen.GetProperty("traceListed").GetBoolean());
            var services = seen.GetProperty("waterfallServices").EnumerateArray().Select(e => e.GetString()).ToArray();
            Assert.Contains("gateway", services);
            Assert.Contains("catalog", services);
            Assert.Contains("items", services);
            var labels = string.Join("\n", seen.GetProperty("waterfallLabels").EnumerateArray().Select(e => e.GetString()));
            Assert.True(labels.Contains("GET /v1/cities"), labels + "\n" + string.Join("\n", dashboard.Telemetry.Trace(traceId)
                .Select(sp => $"{sp.Service} {sp.Kind} {sp.Name}: {string.Join(", ", sp.Attributes.Select(kv => kv.Key + "=" + kv.Value))}")));
            Assert.Contains("mesh.catalog.v1.Catalog/ListCities", labels);
            Assert.Contains("GET /config", labels);

            // Console: start-up line, a line printed after the page opened (live, no reload), search.
            Assert.Contains("test service catalog started", seen.GetProperty("console").GetString());
            Assert.Equal(204, seen.GetProperty("printStatus").GetInt32());
            Assert.Contains(marker, seen.GetProperty("consoleLive").GetString());
            var filtered = seen.GetProperty("consoleFiltered").GetString()!;
            Assert.Contains("started", filtered);
            Assert.DoesNotContain(marker, filtered);
            Assert.DoesNotContain(marker + " while paused", seen.GetProperty("consolePaused").GetString());
            Assert.Contains(marker + " while paused", seen.GetProperty("consoleResumed").GetString());

            // Metrics: charts from spans, and the services' exported duration histograms, each source named.
            Assert.True(seen.GetProperty("metricsCharts").GetInt32() >= 2);
            Assert.Contains(seen.GetProperty("histogramRows").EnumerateArray(), r => r.GetString()!.Contains("ListCities"));
            Assert.Contains("OTLP duration histograms", seen.GetProperty("metricsSource").GetString());

            // Stop from the UI: exited, process gone, not brought back by the supervisor; start: running, a new process.
            Assert.Equal(202, seen.GetProperty("stopStatus").GetInt32());
            Assert.Equal(stoppedPid, seen.GetProperty("pidBeforeStop").GetInt32());
            Assert.Equal("Exited", seen.GetProperty("stateOfStoppedAfterRestart").GetString());
            Assert.Equal(202, seen.GetProperty("startStatus").GetInt32());
            Assert.NotEqual(stoppedPid, seen.GetProperty("pidAfterStart").GetInt32());
            Assert.Equal(0, stopped.RestartCount);

            // Restart from the UI: a new process, back to running, counted.
            Assert.Equal(202, seen.GetProperty("restartStatus").GetInt32());
            Assert.Equal(restartedPid, seen.GetProperty("pidBeforeRestart").GetInt32());
            Assert.NotEqual(restartedPid, seen.GetProperty("pidAfterRestart").GetInt32());
            Assert.True(restarted.RestartCount >= 1);
            ProcessAssert.AllGone([restartedPid, stoppedPid]);

            foreach (var page in new[] { "resources", "traces", "trace", "console", "logs", "metrics", "resources-stopped" })
                Assert.True(new FileInfo(Path.Combine(shots, page + ".png")).Length > 1000, $"screenshot of {page} missing");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static async Task<JsonElement> RunBrowserAsync(object args, CancellationToken ct)
    {
        var nodeDir = Path.Combine(DistributedApplicationOptions.FindRoot(AppContext.BaseDirectory)!, "tests", "node");
        var start = new ProcessStartInfo("node") { WorkingDirectory = nodeDir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("dashboard-e2e.js");
        start.ArgumentList.Add(JsonSerializer.Serialize(args));
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync(ct);
        var stderr = node.StandardError.ReadToEndAsync(ct);
        try
        {
            await node.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(6), ct);   // hang guard; a first chromium launch on a fresh machine is slow
        }
        catch (TimeoutException)
        {
            node.Kill(entireProcessTree: true);
            throw;
        }
        Assert.True(node.ExitCode == 0, $"dashboard-e2e.js failed ({node.ExitCode}):\n{await stderr}\n{await stdout}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60); // a hang guard: exporters send every second
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in 60 s");
            await Task.Delay(200, ct);
        }
    }
}
