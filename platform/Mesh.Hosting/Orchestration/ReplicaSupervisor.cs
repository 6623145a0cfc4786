using Mesh.Servers.Processes;

namespace Mesh.Hosting.Orchestration;

/// <summary>
/// Runs one replica of a process resource: starts it, waits until it is healthy, and restarts it with
/// growing back-off whenever it exits while the host is running — unless it was stopped on purpose
/// (<see cref="StopByUserAsync"/>): then it stays Exited until <see cref="StartByUser"/>.
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
    private readonly Lock _gate = new();
    private ChildProcess? _process;
    private Task _watch = Task.CompletedTask;
    private TaskCompletionSource? _held; // set while stopped on purpose; completed by a start

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

    /// <summary>Kills the running process; the supervisor brings it back (the dashboard's restart). A held replica is started.</summary>
    public void Restart()
    {
        if (!StartByUser()) _process?.SendKill();
    }

    /// <summary>True while the replica is stopped on purpose.</summary>
    public bool IsHeld { get { lock (_gate) return _held is not null; } }

    /// <summary>
    /// Stops the process gracefully and keeps it stopped: the watch loop sees the exit, finds the hold and waits
    /// for <see cref="StartByUser"/> instead of restarting it.
    /// </summary>
    public async Task StopByUserAsync(TimeSpan grace)
    {
        lock (_gate)
        {
            if (_held is not null || _stopping.IsCancellationRequested) return;
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        Instance.SetState(ResourceState.Stopping, "stopping on request");
        ChildProcess? process;
        lock (_gate) process = _process; // the watch loop launches under the same lock, so this is the latest one
        if (process is not null) await process.StopAsync(grace);
        lock (_gate)
            if (_held is null) return; // started again meanwhile: the watch loop owns the state now
        Instance.Pid = null;
        Instance.SetState(ResourceState.Exited, "stopped on request; start it again from the dashboard");
    }

    /// <summary>Ends a hold: the watch loop launches the process again. False if it was not held.</summary>
    public bool StartByUser()
    {
        TaskCompletionSource? held;
        lock (_gate)
        {
            held = _held;
            _held = null;
        }
        held?.TrySetResult();
        return held is not null;
    }

    public async Task StopAsync(TimeSpan grace)
    {
        _stopping.Cancel();
        Instance.SetState(ResourceState.Stopping);
        ChildProcess? process;
        lock (_gate) process = _process;
        if (process is not null) await process.StopAsync(grace);
        try { await _watch; }
        catch (Exception) { /* the loop's own failure must not keep the host from stopping the servers next */ }
        // A launch that raced the cancellation started a process after the one stopped above: stop it too.
        lock (_gate) process = _process;
        if (process is { IsRunning: true }) await process.StopAsync(grace);
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
        // Lines the process printed before this line ran are copied too (a quick first line was lost otherwise).
        process.Log.Follow(int.MaxValue, history => { foreach (var line in history) Instance.Log!.Add(line); }, line => Instance.Log!.Add(line));
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
                if (!IsHeld) Instance.SetState(ResourceState.Failed, $"exited with code {process.ExitCode}"); // held: stopped on request, shown as Exited
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

    /// <summary>
    /// Restarts the replica each time it exits, waiting 1, 2, 4 … 30 s; a long healthy run resets the wait. A replica
    /// stopped on purpose (a hold) is launched again only when started — also when the stop came during a back-off.
    /// </summary>
    private async Task WatchAsync()
    {
        var backoff = TimeSpan.FromSeconds(1);
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            await _process!.Exited.WaitAsync(ct);
            if (ct.IsCancellationRequested) return;
            var crashed = !IsHeld;
            if (crashed)
            {
                var ranFor = DateTime.UtcNow - (Instance.StartedAt ?? DateTime.UtcNow);
                if (ranFor > TimeSpan.FromMinutes(1)) backoff = TimeSpan.FromSeconds(1);
                Instance.SetState(ResourceState.Exited, $"exited with code {_process.ExitCode}; restarting in {backoff.TotalSeconds:0} s");
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            if (!await LaunchUnlessHeldAsync(ct)) return;
            if (crashed) Instance.RestartCount++;
            else backoff = TimeSpan.FromSeconds(1); // stopped and started on purpose: no back-off, no restart count
            await WaitAfterLaunchAsync(ct);
        }
    }

    /// <summary>
    /// Waits while the replica is held (stopped on purpose), then launches it — the last check and the launch under
    /// the lock a stop takes, so a stop either sees the new process or keeps it from starting. False when the host stops.
    /// </summary>
    private async Task<bool> LaunchUnlessHeldAsync(CancellationToken ct)
    {
        while (true)
        {
            Task? hold;
            lock (_gate)
            {
                hold = _held?.Task;
                if (hold is null && !ct.IsCancellationRequested)
                {
                    try
                    {
                        Launch();
                        return true;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // Cannot start at all (binary gone, disk full): shown as failed; the exited process keeps the
                        // loop going, so it is tried again after the next back-off.
                        Instance.SetState(ResourceState.Failed, $"could not start: {ex.Message}");
                        return true;
                    }
                }
            }
            if (hold is null) return false;
            try { await hold.WaitAsync(ct); }
            catch (OperationCanceledException) { return false; }
        }
    }

    private async Task WaitAfterLaunchAsync(CancellationToken ct)
    {
        try
        {
            await WaitHealthyAsync(TimeSpan.FromMinutes(2), ct);
        }
        catch (ServerStartException)
        {
            // Still broken: the loop waits for it to exit (or kills nothing) and tries again later.
            if (_process!.IsRunning) Instance.SetState(ResourceState.Unhealthy, "not healthy after restart");
        }
    }
}
