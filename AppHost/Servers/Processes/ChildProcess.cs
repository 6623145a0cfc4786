using System.Diagnostics;

namespace Mesh.Servers.Processes;

/// <summary>How to start one child process.</summary>
public sealed record ChildProcessSpec(string Name, string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Run as this system user (root only: via setpriv). Null: as ourselves.</summary>
    public string? RunAsUser { get; init; }

    /// <summary>Where to append the process's output; null keeps it in memory only.</summary>
    public string? LogFile { get; init; }

    /// <summary>The signal that asks the process to stop cleanly.</summary>
    public int StopSignal { get; init; } = Posix.SIGTERM;

    /// <summary>
    /// Pids the process starts that must die with it even if it is killed before it can stop them
    /// (a wrapper script's real server, say). Read at kill time.
    /// </summary>
    public Func<IEnumerable<int>>? OwnedPids { get; init; }
}

/// <summary>
/// A child process we started: its output captured (tail in memory, all in a log file), stoppable by
/// its pid with a polite signal and then SIGKILL, and registered so it never outlives us.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ChildProcessSpec _spec;

    private ChildProcess(ChildProcessSpec spec, Process process, LogTail log)
    {
        _spec = spec;
        _process = process;
        Log = log;
    }

    public string Name => _spec.Name;
    public int Pid { get; private set; }
    public LogTail Log { get; }
    public bool IsRunning => !_process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Completes when the process has exited and everything it printed has been read into the log.</summary>
    public Task Exited { get; private set; } = Task.CompletedTask;

    public static ChildProcess Start(ChildProcessSpec spec)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? "",
        };
        if (spec.RunAsUser is not null && Posix.IsRoot)
        {
            // setpriv execs the target directly (no extra process in between, unlike su/runuser),
            // so the pid we hold is the server's own pid.
            psi.FileName = "setpriv";
            foreach (var a in new[] { $"--reuid={spec.RunAsUser}", $"--regid={spec.RunAsUser}", "--init-groups", "--", spec.FileName })
                psi.ArgumentList.Add(a);
        }
        else
        {
            psi.FileName = spec.FileName;
        }
        foreach (var a in spec.Arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in spec.Environment)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }

        var log = new LogTail(spec.LogFile);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Add(e.Data); };

        var child = new ChildProcess(spec, process, log);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            log.Dispose();
            throw new ServerStartException(spec.Name, $"could not run '{spec.FileName}': {ex.Message}", "");
        }
        child.Pid = process.Id;
        ChildProcessRegistry.Add(child);
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        child.Exited = child.WaitForExitAndOutputAsync();
        return child;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for <see cref="Exited"/>; false if it has not happened.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout) => await Task.WhenAny(Exited, Task.Delay(timeout)) == Exited;

    private async Task WaitForExitAndOutputAsync()
    {
        // WaitForExitAsync also waits for redirected stdout/stderr to reach end of file, so a failing
        // server's last words are in the log before anyone quotes it.
        await _process.WaitForExitAsync();
        ChildProcessRegistry.Remove(this);
    }

    internal void SendStopSignal()
    {
        if (IsRunning) Posix.Signal(Pid, _spec.StopSignal);
    }

    /// <summary>Kills the process now (SIGKILL), as a crash would.</summary>
    public void SendKill() => Kill();

    internal void Kill()
    {
        foreach (var pid in _spec.OwnedPids?.Invoke() ?? [])
            if (Posix.IsAlive(pid)) Posix.Signal(pid, Posix.SIGKILL);
        if (!IsRunning) return;
        try { _process.Kill(entireProcessTree: false); } catch (InvalidOperationException) { }
    }

    /// <summary>Asks the process to stop, waits up to <paramref name="grace"/>, then kills it.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (IsRunning)
        {
            SendStopSignal();
            if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited) Kill();
            await _process.WaitForExitAsync();
        }
        ChildProcessRegistry.Remove(this);
        Log.Dispose();
    }

    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.FromSeconds(10)));
}
