using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;

namespace Mesh.Chaos;

/// <summary>
/// The faults a chaos run injects, each through the app model and each ending with the mesh whole again: a service
/// replica killed with SIGKILL (no graceful shutdown) and started again, the broker and the database stopped and
/// started (clients see their connections drop), a service paused with SIGSTOP past its callers' deadlines and resumed.
/// </summary>
public sealed class Faults(MeshUnderTest mesh, Random random, Action<string> log)
{
    /// <summary>The services a kill or a pause picks from (booking runs two replicas).</summary>
    private static readonly string[] Targets = ["booking", "payment", "catalog", "referral", "support", "rating", "users", "notification", "analytics", "feed", "ads"];

    /// <summary>The instance the fault being injected acts on, for the report when it does not heal.</summary>
    private string? _target;

    /// <summary>Injects one fault and waits until it has healed; returns what was done, for the report.</summary>
    public async Task<string> InjectAsync(FaultKind kind, ChaosOptions options, CancellationToken ct)
    {
        var began = DateTime.UtcNow;
        _target = null;
        try
        {
            var what = kind switch
            {
                FaultKind.KillService => await KillServiceAsync(ct),
                FaultKind.RestartBroker => await RestartAsync("messaging", "KILL", ct),
                // SIGQUIT is PostgreSQL's immediate shutdown: its children stop too, and the next start recovers from the WAL.
                FaultKind.RestartDatabase => await RestartAsync("postgres", "QUIT", ct),
                FaultKind.PauseService => await PauseServiceAsync(options.PauseFor, ct),
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            };
            return $"{began:HH:mm:ss} {what}; healed after {(DateTime.UtcNow - began).TotalSeconds:0} s";
        }
        catch (Exception e) when (_target is { } target && !ct.IsCancellationRequested)
        {
            // What the instance itself said is usually why it did not come back (a server refusing to start).
            log($"fault: {target} did not heal ({e.Message}); now {mesh.Describe(target)}; its last log lines:");
            foreach (var line in await mesh.LastLogLinesAsync(target, 20, ct)) log("  " + line);
            throw;
        }
    }

    private async Task<string> KillServiceAsync(CancellationToken ct)
    {
        var (service, instance, pid) = PickInstance();
        _target = instance;
        var process = ProcessTree.Leaf(pid);
        log($"fault: kill -9 {instance} (service pid {process}, under {pid})");
        Signal(process, "KILL");
        // The orchestrator notices the exit (Exited/Finished) — or may start the process again by itself (a new pid).
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        var seen = new List<string>();
        while (true)
        {
            var (state, now) = mesh.InstanceState(instance);
            if (seen.LastOrDefault() != $"{state}/{now}") seen.Add($"{state}/{now}");
            if (state is not null && MeshUnderTest.StoppedStates.Contains(state)) break;
            if (state == KnownResourceStates.Running && now is { } p && p != pid) { log($"fault: {instance} was restarted by the orchestrator (pid {p})"); break; }
            if (DateTime.UtcNow > until) throw new TimeoutException($"{instance} never reported its exit after kill -9 (states seen: {string.Join(", ", seen)})");
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
        if (mesh.IsStopped(instance)) await mesh.StartAndWaitHealthyAsync(instance, Log, ct);
        else await mesh.WaitHealthyAsync(instance, ct);
        log($"fault: {instance} of {service} running again and healthy");
        return $"kill -9 {instance} (pid {process})";
    }

    /// <summary>
    /// Stops a server the way an operator restarting it would (its own fast shutdown, then the harder one if that hangs)
    /// and starts it again through the app model. Not the orchestrator's Stop command: that gives a process 15 s, and a
    /// server that takes longer (a database's shutdown checkpoint under load) is then no longer watched — its state
    /// stays Unknown, so it can never be started again. A server that exits by itself is reported Finished (or Exited)
    /// like any other process, and started again.
    /// </summary>
    private async Task<string> RestartAsync(string resource, string harderSignal, CancellationToken ct)
    {
        var instance = mesh.InstanceIds(resource).Single();
        _target = instance;
        if (mesh.InstanceState(instance).Pid is not { } wrapper)
            throw new InvalidOperationException($"{instance} has no process to stop: {mesh.Describe(instance)}");
        // The resource's process is the stop wrapper (LocalServers.StopWrapper): SIGTERM to it becomes the server's own
        // fast-stop signal, and it exits once the server has.
        var server = ProcessTree.FirstChild(wrapper);
        log($"fault: stop {resource} (SIGTERM to its wrapper {wrapper}, server pid {server})");
        var stopping = DateTime.UtcNow;
        Signal(wrapper, "TERM");
        if (!await WaitStoppedAsync(instance, TimeSpan.FromMinutes(2), ct))
        {
            log($"fault: {resource} still {mesh.Describe(instance)} after 2 min: kill -{harderSignal} {server}");
            if (server is { } p) TrySignal(p, harderSignal);
            if (!await WaitStoppedAsync(instance, TimeSpan.FromMinutes(1), ct))
                throw new TimeoutException($"{instance} not stopped within 3 min: {mesh.Describe(instance)}");
        }
        log($"fault: {resource} stopped after {(DateTime.UtcNow - stopping).TotalSeconds:0} s ({mesh.Describe(instance)})");
        await Task.Delay(TimeSpan.FromSeconds(5), ct);   // down long enough for clients to notice and retry
        await mesh.StartAndWaitHealthyAsync(instance, Log, ct);
        log($"fault: {resource} started again and healthy");
        return $"stop and start {resource}";
    }

    private async Task<string> PauseServiceAsync(TimeSpan pauseFor, CancellationToken ct)
    {
        var (_, instance, pid) = PickInstance();
        _target = instance;
        var process = ProcessTree.Leaf(pid);
        log($"fault: kill -STOP {instance} (service pid {process}) for {pauseFor.TotalSeconds:0} s");
        Signal(process, "STOP");
        try
        {
            await Task.Delay(pauseFor, ct);
        }
        finally
        {
            Signal(process, "CONT");
        }
        log($"fault: {instance} resumed");
        return $"kill -STOP {instance} (pid {process}) for {pauseFor.TotalSeconds:0} s";
    }

    private (string Service, string Instance, int Pid) PickInstance()
    {
        var candidates = Targets.SelectMany(s => mesh.RunningInstances(s).Select(i => (s, i.InstanceId, i.Pid))).ToList();
        if (candidates.Count == 0) throw new InvalidOperationException("no running service instance to pick");
        return candidates[random.Next(candidates.Count)];
    }

    private void Log(string line) => log("fault: " + line);

    /// <summary>True once the instance is in a stopped state; false if it is not within <paramref name="within"/>.</summary>
    private async Task<bool> WaitStoppedAsync(string instanceId, TimeSpan within, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(within);
        try
        {
            await mesh.WaitInstanceStateAsync(instanceId, MeshUnderTest.StoppedStates, bound.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A signal to a process that may have exited meanwhile (then there is nothing left to stop).</summary>
    private static void TrySignal(int pid, string signal)
    {
        try
        {
            Signal(pid, signal);
        }
        catch (InvalidOperationException) when (!Directory.Exists($"/proc/{pid}")) { }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, pid.ToString()]) { UseShellExecute = false })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -s {signal} {pid} failed ({kill.ExitCode})");
    }
}
