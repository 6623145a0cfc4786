using System.Diagnostics;

namespace Mesh.Chaos;

/// <summary>
/// `./mesh load`'s workload (tests/load/run-load.sh, Artillery) against the mesh's edge, as a child process; disposing
/// it ends whatever of it still runs (a run cut short must not leave Node processes loading the machine).
/// </summary>
public sealed class LoadRun : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private LoadRun(Process process) => _process = process;

    public static LoadRun Start(string repositoryRoot, Uri edge, ChaosOptions options, string reportPath, string readyFile)
    {
        var start = new ProcessStartInfo("bash", [
            Path.Combine(repositoryRoot, "tests/load/run-load.sh"), "--target", edge.ToString().TrimEnd('/'),
            "--rate", options.Rate.ToString(), "--ramp", options.RampSeconds.ToString(), "--duration", options.DurationSeconds.ToString(),
            "--max-vus", options.MaxVirtualUsers.ToString(), "--out", reportPath])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["MESH_LOAD_ADMIN_EMAIL"] = MeshUnderTest.AdminEmail;
        start.Environment["MESH_LOAD_ADMIN_PASSWORD"] = MeshUnderTest.AdminPassword;
        start.Environment["MESH_LOAD_READY_FILE"] = readyFile;   // written once its customers are prepared (flows.js)
        start.Environment["MESH_LOAD_POOL"] = (options.Customers ?? Math.Max(20, options.Rate * 10)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["MESH_LOAD_CANCEL_SHARE"] = options.CancelShare.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the load");
        var run = new LoadRun(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (run._output) run._output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (run._output) run._output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the workload to end; returns its exit code and its summary lines.</summary>
    public async Task<(int ExitCode, IReadOnlyList<string> Output)> WaitAsync(CancellationToken ct)
    {
        await _process.WaitForExitAsync(ct);
        lock (_output) return (_process.ExitCode, _output.ToList());
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }   // exited meanwhile
        _process.Dispose();
    }
}
