using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Mesh.Hosting.Dashboard;
using Mesh.Hosting.Tests.AppHost;

namespace Mesh.Hosting.Tests.Dashboard;

/// <summary>
/// A running test mesh (a test service ×2 and a service calling it) watched through the dashboard in headless
/// Debian chromium, driven by playwright-core (tests/node/dashboard-e2e.js). Screenshots of every page are
/// written to TestResults/dashboard/ under the test output directory.
/// </summary>
public sealed class DashboardBrowserTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task The_dashboard_lists_resources_finds_a_cross_service_trace_shows_console_logs_and_restarts_a_replica()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var options = TestGraph.Options(dir.Path);
        options.RandomPorts = true;
        options.Dashboard = new DashboardOptions();
        var builder = DistributedApplication.CreateBuilder(options);
        var items = builder.AddProject("items", TestGraph.TestService).WithReplicas(2);
        builder.AddProject("front", TestGraph.TestService).WithReference(items).WaitFor(items);
        var app = builder.Build();
        try
        {
            await app.StartAsync(ct);
            var dashboard = app.Dashboard!;

            // One call across two services, in a trace whose id we choose (front honours the incoming traceparent).
            var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
            using (var call = new HttpRequestMessage(HttpMethod.Get, new Uri(app.InstancesOf("front")[0].Endpoints["http"], "/call/items")))
            {
                call.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..8])}-01");
                using var response = await Http.SendAsync(call, ct);
                response.EnsureSuccessStatusCode();
            }
            await WaitUntilAsync(() => dashboard.Telemetry.Trace(traceId).Select(s => s.Service).Distinct().Count() >= 2, ct);

            var shots = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard");
            var victim = app.InstancesOf("items")[0];
            var oldPid = victim.Pid!.Value;
            var seen = await RunBrowserAsync([dashboard.Url!.ToString().TrimEnd('/'), traceId, "front", victim.DisplayName, shots], ct);

            Assert.Equal(app.Instances.Select(i => i.DisplayName).Order(), seen.GetProperty("resources").EnumerateArray().Select(e => e.GetString()!).Order());
            Assert.True(seen.GetProperty("traceListed").GetBoolean());
            var services = seen.GetProperty("waterfallServices").EnumerateArray().Select(e => e.GetString()).ToArray();
            Assert.Contains("front", services);
            Assert.Contains("items", services);
            Assert.Contains("test service front started", seen.GetProperty("console").GetString());
            Assert.Contains("started", seen.GetProperty("consoleFiltered").GetString());
            Assert.True(seen.GetProperty("metricsCharts").GetInt32() >= 2);

            // Restart from the UI: a new process, back to running, counted.
            Assert.Equal(202, seen.GetProperty("restartStatus").GetInt32());
            Assert.Equal(oldPid, seen.GetProperty("pidBeforeRestart").GetInt32());
            Assert.NotEqual(oldPid, seen.GetProperty("pidAfterRestart").GetInt32());
            Assert.True(victim.RestartCount >= 1);
            ProcessAssert.AllGone([oldPid]);

            foreach (var page in new[] { "resources", "traces", "trace", "console", "logs", "metrics" })
                Assert.True(new FileInfo(Path.Combine(shots, page + ".png")).Length > 1000, $"screenshot of {page} missing");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static async Task<JsonElement> RunBrowserAsync(string[] args, CancellationToken ct)
    {
        var nodeDir = Path.Combine(DistributedApplicationOptions.FindRoot(AppContext.BaseDirectory)!, "tests", "node");
        var start = new ProcessStartInfo("node") { WorkingDirectory = nodeDir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("dashboard-e2e.js");
        foreach (var a in args) start.ArgumentList.Add(a);
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync(ct);
        var stderr = node.StandardError.ReadToEndAsync(ct);
        try
        {
            await node.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(3), ct);
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
