using System.Runtime.InteropServices;
using Mesh.Hosting.Orchestration;
using Mesh.Servers.Processes;

namespace Mesh.Hosting;

/// <summary>
/// The app host (Aspire's DistributedApplication): <c>CreateBuilder</c>, add resources, <c>Build()</c>,
/// <c>Run()</c>. The same model starts the mesh for <c>./mesh up</c> and inside end-to-end tests.
/// </summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly Orchestrator _orchestrator;
    private int _stopped;

    internal DistributedApplication(ApplicationModel model, DistributedApplicationOptions options)
    {
        Model = model;
        Options = options;
        _orchestrator = new Orchestrator(model, options);
    }

    /// <summary>
    /// A builder configured from the command line: <c>--data DIR</c>, <c>--no-build</c>, <c>--no-console</c>, <c>--random-ports</c>,
    /// <c>--no-dashboard</c>. The dashboard is on by default here (people run this); tests opt in through the options.
    /// </summary>
    public static IDistributedApplicationBuilder CreateBuilder(string[] args)
    {
        var options = new DistributedApplicationOptions { Dashboard = new Dashboard.DashboardOptions() };
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data" when i + 1 < args.Length: options.DataDirectory = Path.GetFullPath(args[++i]); break;
                case "--no-build": options.BuildProjects = false; break;
                case "--no-console": options.InteractiveConsole = false; break;
                case "--random-ports": options.RandomPorts = true; break;
                case "--no-dashboard": options.Dashboard = null; break;
            }
        }
        return new DistributedApplicationBuilder(options);
    }

    public static IDistributedApplicationBuilder CreateBuilder(DistributedApplicationOptions options) => new DistributedApplicationBuilder(options);

    public ApplicationModel Model { get; }
    public DistributedApplicationOptions Options { get; }

    /// <summary>Every running instance (servers, databases, replicas) with its state.</summary>
    public IReadOnlyList<ResourceInstance> Instances => _orchestrator.Instances;

    public IReadOnlyList<ResourceInstance> InstancesOf(string resourceName) => _orchestrator.InstancesOf(Model[resourceName]);

    /// <summary>The environment one replica of a process receives (Aspire's names and formats).</summary>
    public IReadOnlyDictionary<string, string> EnvironmentFor(string resourceName, int replica = 0) =>
        _orchestrator.EnvironmentFor((ProcessResource)Model[resourceName], replica);

    /// <summary>The running dashboard (null when the options have none or before start).</summary>
    public Dashboard.DashboardHost? Dashboard { get; private set; }

    /// <summary>
    /// Starts the dashboard first (services must know where to export), then everything else; completes when every
    /// resource is healthy, or throws naming the one that failed.
    /// </summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (Options.Dashboard is { } dashboardOptions && Dashboard is null)
        {
            if (Options.RandomPorts) { dashboardOptions.Port = 0; dashboardOptions.OtlpPort = 0; }
            var dashboard = new Dashboard.DashboardHost(this, dashboardOptions);
            await dashboard.StartAsync(ct);
            Dashboard = dashboard;
            Options.OtlpEndpoint ??= dashboard.OtlpEndpoint!.ToString().TrimEnd('/');
        }
        await _orchestrator.StartAsync(ct);
    }

    /// <summary>Kills one replica as a crash would; its supervisor restarts it.</summary>
    public void Restart(string resourceName, int replica = 0) =>
        _orchestrator.Supervisors.First(s => s.Instance.Resource.Name == resourceName && s.Instance.Replica == replica).Restart();

    /// <summary>
    /// Stops one instance (a replica by its display name, e.g. "items-1", or a server) and keeps it stopped —
    /// no automatic restart — until <see cref="StartInstanceAsync"/>. False if nothing runs under that name.
    /// </summary>
    public async Task<bool> StopInstanceAsync(string instanceName)
    {
        if (_orchestrator.Supervisors.FirstOrDefault(s => s.Instance.DisplayName == instanceName) is { } replica)
        {
            await replica.StopByUserAsync(TimeSpan.FromTicks(Options.StopTimeout.Ticks / 2));
            return true;
        }
        if (_orchestrator.Servers.FirstOrDefault(s => s.Instance.DisplayName == instanceName) is { } server)
        {
            await server.StopAsync(ResourceState.Exited, "stopped on request; start it again from the dashboard");
            return true;
        }
        return false;
    }

    /// <summary>
    /// Starts an instance stopped by <see cref="StopInstanceAsync"/> (or a server that died). A replica comes back
    /// through its supervisor (this returns at once); a server is awaited until it answers.
    /// </summary>
    public async Task<bool> StartInstanceAsync(string instanceName, CancellationToken ct = default)
    {
        if (_orchestrator.Supervisors.FirstOrDefault(s => s.Instance.DisplayName == instanceName) is { } replica)
        {
            replica.StartByUser();
            return true;
        }
        if (_orchestrator.Servers.FirstOrDefault(s => s.Instance.DisplayName == instanceName) is { } server)
        {
            await server.StartAsync(ct);
            return true;
        }
        return false;
    }

    /// <summary>Restarts an instance: a replica is killed and brought back by its supervisor; a server is stopped and started.</summary>
    public async Task<bool> RestartInstanceAsync(string instanceName, CancellationToken ct = default)
    {
        if (_orchestrator.Supervisors.FirstOrDefault(s => s.Instance.DisplayName == instanceName) is { } replica)
        {
            replica.Restart();
            return true;
        }
        if (_orchestrator.Servers.FirstOrDefault(s => s.Instance.DisplayName == instanceName) is { } server)
        {
            await server.StopAsync(ResourceState.Exited, "restarting on request");
            await server.StartAsync(ct);
            server.Instance.RestartCount++;
            return true;
        }
        return false;
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _orchestrator.StopAsync();
        // Last: the services flush their telemetry to it while they stop.
        if (Dashboard is not null) await Dashboard.DisposeAsync();
    }

    /// <summary>Starts, shows the start-up view and URLs, runs until Ctrl+C / SIGTERM, then stops everything.</summary>
    public async Task<int> RunAsync(CancellationToken ct = default)
    {
        var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // The orderly stop below handles the signals; the registry's own handler would kill the servers under the services.
        using var signalOwnership = ChildProcessRegistry.DeferSignalsToOwner();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Cancel(stopping); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Cancel(stopping); });
        var view = new StartupView(this);
        try
        {
            await view.ShowWhileAsync(StartAsync(stopping.Token));
        }
        catch (ServerStartException ex)
        {
            view.Failed(ex);
            await StopAsync();
            return 1;
        }
        catch (OperationCanceledException)
        {
            await StopAsync();
            return 130;
        }
        view.Ready();
        try { await Task.Delay(Timeout.Infinite, stopping.Token); }
        catch (OperationCanceledException) { }
        view.Stopping();
        await StopAsync();
        return 0;
    }

    public void Run() => Environment.ExitCode = RunAsync().GetAwaiter().GetResult();

    public ValueTask DisposeAsync() => new(StopAsync());

    private static void Cancel(CancellationTokenSource cts)
    {
        try { cts.Cancel(); } catch (ObjectDisposedException) { }
    }
}
