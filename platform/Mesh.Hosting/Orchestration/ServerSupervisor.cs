using Mesh.Servers.Processes;

namespace Mesh.Hosting.Orchestration;

/// <summary>
/// Runs one server (PostgreSQL, Redis, RabbitMQ) for the host: starts it, and stops and starts it again on request
/// (the dashboard's actions) with the same data directory and port, so connection strings stay valid. Databases on
/// the server follow its state. Servers are not restarted automatically: a server that dies stays Exited.
/// </summary>
internal sealed class ServerSupervisor(ResourceInstance instance, Func<CancellationToken, Task<(ChildProcess Process, Func<Task> Stop, Uri Endpoint)>> start,
    IReadOnlyList<ResourceInstance> dependents)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Func<Task>? _stop;
    private ChildProcess? _process;

    public ResourceInstance Instance { get; } = instance;

    /// <summary>Starts the server (no-op while it runs) and completes when it answers.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_stop is not null) return;
            Instance.SetState(ResourceState.Starting);
            try
            {
                var (process, stop, endpoint) = await start(ct);
                _stop = stop;
                _process = process;
                Instance.Pid = process.Pid;
                Instance.Log = process.Log;
                Instance.StartedAt = DateTime.UtcNow;
                Instance.Endpoints = new Dictionary<string, Uri> { ["tcp"] = endpoint };
                Instance.SetState(ResourceState.Running);
                _ = WatchAsync(process, stop);
                foreach (var d in dependents.Where(d => d.State == ResourceState.Exited)) d.SetState(ResourceState.Running);
            }
            catch (Exception ex)
            {
                Instance.SetState(ResourceState.Failed, ex.Message.Split(Environment.NewLine)[0]);
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the server gracefully; it stays Exited until started again (<paramref name="finalState"/> when the host stops).</summary>
    public async Task StopAsync(ResourceState finalState = ResourceState.Exited, string? detail = null)
    {
        await _gate.WaitAsync();
        try
        {
            if (_stop is not { } stop) return;
            _stop = null;
            Instance.SetState(ResourceState.Stopping);
            await stop();
            // Stopped on request: no process now. When the host stops, the last pid stays readable (tests check it is gone).
            if (finalState != ResourceState.Stopped) Instance.Pid = null;
            Instance.SetState(finalState, detail);
            // On request its databases go down with it; when the host stops, the orchestrator marks them itself.
            if (finalState != ResourceState.Stopped)
                foreach (var d in dependents) d.SetState(finalState, $"server {Instance.DisplayName} stopped");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Ends the server's process at once (SIGKILL), e.g. when a polite stop in progress outlasts the host's stop budget;
    /// the stop in progress then finishes quickly (RabbitMQ's then ends the Erlang VM it started by its pid).
    /// </summary>
    public void Kill() => Volatile.Read(ref _process)?.Kill();

    /// <summary>A server that dies on its own is shown as such (nothing restarts it; the dashboard's start does).</summary>
    private async Task WatchAsync(ChildProcess process, Func<Task> stop)
    {
        await process.Exited;
        await _gate.WaitAsync();
        try
        {
            if (_stop != stop) return; // stopped on purpose
            _stop = null;
            Instance.SetState(ResourceState.Exited, $"exited with code {process.ExitCode}");
            foreach (var d in dependents) d.SetState(ResourceState.Exited, $"server {Instance.DisplayName} exited");
        }
        finally
        {
            _gate.Release();
        }
    }
}
