using System.Diagnostics;
using Mesh.Servers.Processes;

namespace Mesh.AppHost.Tests;

/// <summary>
/// `./mesh up` runs the app host's build output (exec, so the script's pid is the app host's). Ctrl+C — SIGINT to the
/// whole foreground process group — and SIGTERM to its pid both end it, and nothing it started is left: not a
/// service, not a server, not DCP.
/// </summary>
public sealed class MeshUpStopTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("mesh-up-").FullName;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Stopping_mesh_up_leaves_no_process(bool sigintToGroup)
    {
        var ct = TestContext.Current.CancellationToken;
        var dll = Path.Combine(ManifestTests.AppHostDirectory(), "bin", ManifestTests.Configuration, "net10.0", "Mesh.AppHost.dll");
        // `setsid` makes the app host a process group leader, as a shell makes a foreground job.
        var psi = new ProcessStartInfo("setsid", ["dotnet", dll, $"--Mesh:Data={_data}", $"--Mesh:EdgePort={LoopbackPorts.GetFree()}"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development", ["DOTNET_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = $"http://localhost:{LoopbackPorts.GetFree()}",
                ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{LoopbackPorts.GetFree()}",
                ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{LoopbackPorts.GetFree()}",
                ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true", ["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true",
            },
        };
        using var host = Process.Start(psi)!;
        var ready = new TaskCompletionSource();
        var output = new System.Text.StringBuilder();
        // Signalled once every service has printed its endpoints (the startup summary): a signal in the middle of the
        // start is another test.
        var waiting = new HashSet<string>(AppHostFixture.Services);
        // The app host's reports of processes that ended (PrintResourceExits) and of what was slow to start
        // (PrintSlowStarts): each a head line and its "    | " lines, kept for a timeout's message.
        var reports = new List<List<string>>();
        host.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output)
            {
                output.AppendLine(e.Data);
                if (IsTroubleReport(e.Data)) reports.Add([e.Data]);
                else if (reports.Count > 0 && e.Data.StartsWith("    | ", StringComparison.Ordinal)) reports[^1].Add(e.Data);
                var name = e.Data.TrimStart().Split(' ', 2)[0];
                if (e.Data.Contains("http://", StringComparison.Ordinal) && waiting.Remove(name) && waiting.Count == 0) ready.TrySetResult();
            }
        };
        host.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        try
        {
            try
            {
                await ready.Task.WaitAsync(AppHostFixture.StartTimeout, ct);
            }
            catch (TimeoutException)
            {
                // CI keeps only the tail of a run's output: say here which services never came up and how the app host ended.
                string still, last, ended;
                lock (output)
                {
                    still = string.Join(", ", waiting);
                    last = string.Join("\n", output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(10));
                    // Every exit, and the slow starts of the services that never printed endpoints, six lines each:
                    // the message must stay short enough for CI's tail.
                    var relevant = reports.Where(r => !r[0].Contains(" not ready ", StringComparison.Ordinal) || waiting.Contains(r[0].TrimStart().Split(' ', 2)[0]))
                        .SelectMany(r => r.Take(7)).ToList();
                    ended = relevant.Count == 0 ? "no process ended, none reported slow" : "the app host reported:\n" + string.Join("\n", relevant);
                }
                var running = Descendants(host.Id).Concat(DcpTrees(host.Id)).Distinct().Select(Program).Where(p => p.Length > 0).Distinct().Order();
                throw new TimeoutException($"`mesh up` not ready within {AppHostFixture.StartTimeout.TotalMinutes:0} min: no endpoints printed by {still}" +
                    $"{(host.HasExited ? $"; the app host exited ({host.ExitCode})" : "")}; running: {string.Join(", ", running)}; {ended}\nits last lines:\n{last}");
            }
            var started = Descendants(host.Id).Concat(DcpTrees(host.Id)).Distinct().ToList();
            Assert.Contains(started, p => Cmdline(p).Contains("beam.smp", StringComparison.Ordinal));
            Assert.Contains(started, p => Cmdline(p).Contains("Mesh.Booking", StringComparison.Ordinal));

            Assert.Equal(0, sigintToGroup ? Kill(-host.Id, 2) : Kill(host.Id, 15));
            // A hang guard, not a timing assertion: Ctrl+C reaches DCP and the services too (one process group), and on a
            // busy 2-core CI machine the app host then needs more than 2 minutes to stop twelve services and the servers.
            await host.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(6), ct);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromMinutes(1));
            while (started.Any(Alive) && !cts.IsCancellationRequested) await Task.Delay(200, CancellationToken.None);
            var left = started.Where(Alive).Select(p => $"{p} {Cmdline(p)}").ToList();
            Assert.True(left.Count == 0, "left running: " + string.Join("; ", left));
        }
        finally
        {
            if (!host.HasExited) { Kill(-host.Id, 9); }
            lock (output) TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());
        }
    }

    /// <summary>The head line of an app host's report: "  booking      exited with code 1; …", "  booking      not ready after 5 min: …".</summary>
    private static bool IsTroubleReport(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return line.StartsWith("  ", StringComparison.Ordinal) && words.Length >= 2 && words[1] is "exited" or "failed" or "not";
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static IEnumerable<int> AllPids() =>
        Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsDigit)).Select(n => int.Parse(n!));

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        catch (IOException) { return 0; }
    }

    private static List<int> Descendants(int root)
    {
        var all = AllPids().Select(p => (Pid: p, Parent: ParentOf(p))).ToList();
        var result = new List<int> { root };
        for (var i = 0; i < result.Count; i++)
            result.AddRange(all.Where(p => p.Parent == result[i]).Select(p => p.Pid));
        return result;
    }

    /// <summary>DCP detaches from the app host; it is found by the pid it monitors.</summary>
    private static IEnumerable<int> DcpTrees(int appHost) =>
        AllPids().Where(p => Cmdline(p).Contains($"--monitor {appHost}", StringComparison.Ordinal)).SelectMany(Descendants);

    private static string Cmdline(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    /// <summary>What a process runs, short: the server's binary or the service's assembly (for a timeout's report).</summary>
    private static string Program(int pid)
    {
        var words = Cmdline(pid).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var program = words.FirstOrDefault(w => w.EndsWith(".dll", StringComparison.Ordinal)) ?? words.FirstOrDefault() ?? "";
        return Path.GetFileName(program);
    }

    private static bool Alive(int pid)
    {
        try { return File.ReadAllLines($"/proc/{pid}/status").Any(l => l.StartsWith("State:", StringComparison.Ordinal) && !l.Contains('Z')); }
        catch (IOException) { return false; }
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
