using Mesh.Hosting.Processes;

namespace Mesh.Hosting.Orchestration;

/// <summary>
/// Runs one replica of a process resource: starts it, waits until it is healthy, and restarts it with
/// growing back-off whenever it exits while the host is running.
/// </summary>
internal sealed class ReplicaSupervisor
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly ProcessResource _resource;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string? _logFile;
    private readonly Uri? _healthUri;
    private readonly CancellationTokenSource _stopping = new();
    private ChildProcess? _process;
    private Task _watch = Task.CompletedTask;

    public ReplicaSupervisor(ProcessResource resource, ResourceInstance instance, IReadOnlyDictionary<string, string> environment, string? logFile)
    {
        _resource = resource;
        Instance = instance;
        _environment = environment;
        _logFile = logFile;
        if (resource.HealthCheckPath is not null && instance.Endpoints.TryGetValue("http", out var http))
            _healthUri = new Uri(http, resource.HealthCheckPath);
        instance.Log = new LogTail(null, 2000);
    }

    public ResourceInstance Instance { get; }

    /// <summary>Starts the process and completes when it is healthy; throws (with its log tail) if it cannot be.</summary>
    public async Task StartAsync(TimeSpan timeout, CancellationToken ct)
    {
        Launch();
        await WaitHealthyAsync(timeout, ct);
        _watch = WatchAsync();
    }

    /// <summary>Kills the running process; the supervisor brings it back (used by the dashboard's restart).</summary>
    public void Restart() => _process?.SendKill();

    public async Task StopAsync(TimeSpan grace)
    {
        _stopping.Cancel();
        Instance.SetState(ResourceState.Stopping);
        if (_process is not null) await _process.StopAsync(grace);
        try { await _watch; } catch (OperationCanceledException) { }
        Instance.SetState(ResourceState.Stopped);
    }

    private void Launch()
    {
        var (file, args, workingDirectory) = _resource.GetCommand();
        Instance.SetState(ResourceState.Starting);
        var process = ChildProcess.Start(new ChildProcessSpec(Instance.DisplayName, file, args)
        {
            WorkingDirectory = workingDirectory,
            LogFile = _logFile,
            Environment = _environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value),
        });
        process.Log.LineWritten += line => Instance.Log!.Add(line);
        _process = process;
        Instance.Pid = process.Pid;
        Instance.StartedAt = DateTime.UtcNow;
    }

    private async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var process = _process!;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (!process.IsRunning)
            {
                await process.WaitForExitAsync(TimeSpan.FromSeconds(5)); // its last output is in the log
                Instance.SetState(ResourceState.Failed, $"exited with code {process.ExitCode}");
                throw new ServerStartException(Instance.DisplayName, $"the process exited with code {process.ExitCode} before it was healthy", process.Log.ToString());
            }
            if (await IsHealthyAsync(ct))
            {
                Instance.SetState(ResourceState.Running);
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Instance.SetState(ResourceState.Failed, "not healthy in time");
                throw new ServerStartException(Instance.DisplayName, $"not healthy after {timeout.TotalSeconds:0} s ({_healthUri})", process.Log.ToString());
            }
            await Task.Delay(200, ct);
        }
    }

    private async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        if (_healthUri is null) return true;
        try
        {
            using var response = await Probe.GetAsync(_healthUri, ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Restarts the replica each time it exits, waiting 1, 2, 4 … 30 s; a long healthy run resets the wait.</summary>
    private async Task WatchAsync()
    {
        var backoff = TimeSpan.FromSeconds(1);
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            await _process!.Exited.WaitAsync(ct);
            if (ct.IsCancellationRequested) return;
            var ranFor = DateTime.UtcNow - (Instance.StartedAt ?? DateTime.UtcNow);
            if (ranFor > TimeSpan.FromMinutes(1)) backoff = TimeSpan.FromSeconds(1);
            Instance.SetState(ResourceState.Exited, $"exited with code {_process.ExitCode}; restarting in {backoff.TotalSeconds:0} s");
            await Task.Delay(backoff, ct);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            Instance.RestartCount++;
            Launch();
            try
            {
                await WaitHealthyAsync(TimeSpan.FromMinutes(2), ct);
            }
            catch (ServerStartException)
            {
                // Still broken: the loop waits for it to exit (or kills nothing) and tries again later.
                if (_process.IsRunning) Instance.SetState(ResourceState.Unhealthy, "not healthy after restart");
            }
        }
    }
}
