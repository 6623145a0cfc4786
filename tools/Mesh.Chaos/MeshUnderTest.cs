using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Mesh.Hosting.Local;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Chaos;

/// <summary>
/// The whole mesh from AppHost/Program.cs, started by Aspire.Hosting.Testing with its data in a fresh directory, and
/// what the chaos run does to it through the app model: the latest state of every resource instance (its process id),
/// the start and stop commands the dashboard has, and each database's connection string for the invariants.
/// </summary>
public sealed class MeshUnderTest : IAsyncDisposable
{
    public static readonly string[] Services = ["users", "catalog", "payment", "booking", "referral", "rating", "support", "ads", "feed", "notification", "analytics", "gateway"];
    public const string AdminEmail = "chaos-admin@load.mesh.test";
    public const string AdminPassword = "chaos-admin-password-1";

    private readonly ConcurrentDictionary<string, ResourceEvent> _latest = new();
    private readonly CancellationTokenSource _watching = new();
    private Task _watcher = Task.CompletedTask;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("mesh-chaos-").FullName;
    public DistributedApplication App { get; private set; } = null!;
    public Uri Edge { get; private set; } = null!;

    public static async Task<MeshUnderTest> StartAsync(ChaosOptions options, CancellationToken ct)
    {
        var mesh = new MeshUnderTest();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(
            [$"--Mesh:Data={mesh.DataDirectory}", $"--Mesh:Admins={AdminEmail}", $"--Mesh:Replicas:booking={options.BookingReplicas}"], ct);
        // The services' own logs stay in the app model (and its dashboard); this process prints the run's report.
        // MESH_CHAOS_VERBOSE=1 prints them too.
        if (Environment.GetEnvironmentVariable("MESH_CHAOS_VERBOSE") != "1")
            builder.Services.AddLogging(logging => logging.AddFilter("Mesh.AppHost.Resources", LogLevel.None)
                .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None).AddFilter("Aspire.Hosting", LogLevel.Warning));
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            var resource = builder.CreateResourceBuilder(project);
            if (options.SkipOutboxType is { } type) resource.WithEnvironment("MESH_CHAOS_SKIP_OUTBOX_TYPE", type);
            // The workload stands for many people behind a load balancer: the edge believes the address each customer
            // sends (X-Forwarded-For) from this machine, so per-IP rate limits and fraud rules see customers, not one host.
            if (project.Name == "gateway") resource.WithEnvironment("Gateway__TrustedProxies__0", "127.0.0.1").WithEnvironment("Gateway__TrustedProxies__1", "::1");
        }
        mesh.App = await builder.BuildAsync();
        mesh._watcher = mesh.WatchAsync(mesh._watching.Token);
        using var start = CancellationTokenSource.CreateLinkedTokenSource(ct);
        start.CancelAfter(TimeSpan.FromMinutes(10));
        await mesh.App.StartAsync(start.Token);
        foreach (var service in Services) await mesh.App.ResourceNotifications.WaitForResourceHealthyAsync(service, start.Token);
        mesh.Edge = mesh.App.GetEndpoint("gateway", "http");
        return mesh;
    }

    private async Task WatchAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var e in App.ResourceNotifications.WatchAsync(ct)) _latest[e.ResourceId] = e;
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>The running instances (replicas) of a resource, with their process ids.</summary>
    public IReadOnlyList<(string InstanceId, int Pid)> RunningInstances(string resource) =>
        _latest.Values
            .Where(e => e.Resource.Name == resource && e.Snapshot.State?.Text == KnownResourceStates.Running)
            .Select(e => (e.ResourceId, Pid: e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value))
            .Where(x => x.Pid is not null)
            .Select(x => (x.ResourceId, Convert.ToInt32(x.Pid, System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(x => x.ResourceId, StringComparer.Ordinal)
            .ToList();

    /// <summary>Runs a resource command (the dashboard's Start/Stop) on a resource or one of its instances.</summary>
    public async Task CommandAsync(string resourceId, string command, CancellationToken ct)
    {
        var result = await App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resourceId, command, ct);
        if (!result.Success) throw new InvalidOperationException($"{command} {resourceId}: {result.Message}");
    }


    /// <summary>An instance's latest state and process id, as the app model last reported them.</summary>
    public (string? State, int? Pid) InstanceState(string instanceId)
    {
        if (!_latest.TryGetValue(instanceId, out var e)) return (null, null);
        var pid = e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        return (e.Snapshot.State?.Text, pid is null ? null : Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The instance ids of a resource (its replicas; one for a resource without replicas).</summary>
    public IReadOnlyList<string> InstanceIds(string resource) =>
        _latest.Values.Where(e => e.Resource.Name == resource).Select(e => e.ResourceId).Order(StringComparer.Ordinal).ToList();

    /// <summary>The states of an instance that is not running and that the orchestrator will not start by itself.</summary>
    public static readonly IReadOnlyCollection<string> StoppedStates = [KnownResourceStates.Finished, KnownResourceStates.Exited, KnownResourceStates.FailedToStart];

    /// <summary>True if the instance's latest state is Running and healthy.</summary>
    public bool IsHealthy(string instanceId) => _latest.TryGetValue(instanceId, out var e) && e.Snapshot.State?.Text == KnownResourceStates.Running
        && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy;

    /// <summary>True if the instance's latest state is one of <see cref="StoppedStates"/>.</summary>
    public bool IsStopped(string instanceId) => InstanceState(instanceId).State is { } state && StoppedStates.Contains(state);

    /// <summary>
    /// The Start command on an instance, then a wait of at most three minutes until it is Running and healthy. Tried
    /// again a few times, as an operator (or a restart policy) would: when the orchestrator refuses the command on a
    /// loaded machine, and when the process exits again before it is healthy (a database whose previous process has
    /// not quite let go of its data directory) — each such exit logged with the instance's last console lines.
    /// </summary>
    public async Task StartAndWaitHealthyAsync(string instanceId, Action<string> log, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await CommandAsync(instanceId, KnownResourceCommands.StartCommand, ct);
            }
            catch (InvalidOperationException e) when (attempt < 4)
            {
                log($"{e.Message} — trying again");
                await Task.Delay(TimeSpan.FromSeconds(5 * attempt), ct);
                continue;
            }
            if (await WaitHealthyOrExitedAsync(instanceId, ct)) return;
            // The last exit is the caller's to report (with the same lines): logged here only when trying again.
            if (attempt == 4) throw new TimeoutException($"{instanceId} exited before it was healthy, {attempt} times: {Describe(instanceId)}");
            log($"{instanceId} exited again before it was healthy ({Describe(instanceId)}); its last log lines:");
            foreach (var line in await LastLogLinesAsync(instanceId, 20, ct)) log("  " + line);
            await Task.Delay(TimeSpan.FromSeconds(5 * attempt), ct);
        }
    }

    /// <summary>
    /// After a Start: true once the instance is Running and healthy, false if it has run and stopped again; at most
    /// three minutes (<see cref="TimeoutException"/>). A stopped state is believed only once the instance has left it
    /// (the start is under way) or half a minute has passed without that.
    /// </summary>
    private async Task<bool> WaitHealthyOrExitedAsync(string instanceId, CancellationToken ct)
    {
        var began = DateTime.UtcNow;
        var left = false;
        while (true)
        {
            if (IsHealthy(instanceId)) return true;
            var stopped = IsStopped(instanceId);
            left |= !stopped;
            if (stopped && (left || DateTime.UtcNow - began > TimeSpan.FromSeconds(30))) return false;
            if (DateTime.UtcNow - began > TimeSpan.FromMinutes(3))
                throw new TimeoutException($"{instanceId} not running and healthy within 3 min: {Describe(instanceId)}");
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }

    /// <summary>
    /// At most three minutes until the instance is Running and healthy (its readiness probe answers 200); a
    /// <see cref="TimeoutException"/> naming the state it was left in otherwise.
    /// </summary>
    public async Task WaitHealthyAsync(string instanceId, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await WaitInstanceHealthyAsync(instanceId, bound.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{instanceId} not running and healthy within 3 min: {Describe(instanceId)}");
        }
    }

    /// <summary>
    /// The last lines an instance wrote to its console (the orchestrator's copy, as the dashboard shows it): what a
    /// server that did not come back said on its way down. Empty when the orchestrator kept none.
    /// </summary>
    public Task<IReadOnlyList<string>> LastLogLinesAsync(string instanceId, int count, CancellationToken ct) =>
        ResourceLogTail.ReadAsync(App.Services.GetRequiredService<ResourceLoggerService>(), instanceId, count, ct);

    /// <summary>An instance's latest state, health and process id, for a report.</summary>
    public string Describe(string instanceId)
    {
        if (!_latest.TryGetValue(instanceId, out var e)) return "never reported";
        var pid = e.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        var exit = e.Snapshot.ExitCode is { } code ? $", exit code {code}" : "";
        return $"{e.Snapshot.State?.Text ?? "no state"}{exit}, health {e.Snapshot.HealthStatus?.ToString() ?? "unknown"}, pid {pid ?? "none"}";
    }

    /// <summary>Waits until one instance reports itself Running and healthy again.</summary>
    public async Task WaitInstanceHealthyAsync(string instanceId, CancellationToken ct)
    {
        while (!IsHealthy(instanceId))
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
    }

    /// <summary>
    /// Waits until one instance (e.g. one replica "booking-abcd1234") is in one of <paramref name="states"/>. The app
    /// model's own wait matches resource names, which every replica shares.
    /// </summary>
    public async Task WaitInstanceStateAsync(string instanceId, IReadOnlyCollection<string> states, CancellationToken ct)
    {
        while (!(_latest.TryGetValue(instanceId, out var e) && e.Snapshot.State?.Text is { } state && states.Contains(state)))
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
    }

    public async Task<string> ConnectionStringAsync(string database, CancellationToken ct) =>
        await App.GetConnectionStringAsync(database, ct) ?? throw new InvalidOperationException($"no connection string for {database}");

    public async ValueTask DisposeAsync()
    {
        await _watching.CancelAsync();
        await _watcher;
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
