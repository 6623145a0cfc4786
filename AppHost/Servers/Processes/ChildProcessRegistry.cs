using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Mesh.Servers.Processes;

/// <summary>
/// Every child process this process started, so that none outlives us: on normal exit, Ctrl+C and
/// SIGTERM the registry stops whatever is still running (by the pids we started, nothing else).
/// </summary>
public static class ChildProcessRegistry
{
    private static readonly ConcurrentDictionary<ChildProcess, byte> Running = new();
    private static readonly List<PosixSignalRegistration> SignalRegistrations = new();
    private static int _hooked;
    private static int _signalOwners;

    internal static void Add(ChildProcess process)
    {
        HookExit();
        Running.TryAdd(process, 0);
    }

    internal static void Remove(ChildProcess process) => Running.TryRemove(process, out _);

    /// <summary>Pids of the children still registered (tests use it to prove nothing is left).</summary>
    public static IReadOnlyList<int> Pids => Running.Keys.Select(p => p.Pid).ToArray();

    /// <summary>
    /// While the returned scope lives, Ctrl+C / SIGTERM / SIGQUIT are left to the caller (the app host stops its
    /// resources in order: services before the servers they use, so none of them sees its database vanish and gets
    /// restarted mid-shutdown). The registry still stops whatever is left when the process exits.
    /// </summary>
    public static IDisposable DeferSignalsToOwner()
    {
        Interlocked.Increment(ref _signalOwners);
        return new SignalOwnership();
    }

    private sealed class SignalOwnership : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref _signalOwners);
        }
    }

    /// <summary>Stops every registered child: a polite signal first, SIGKILL after the grace period.</summary>
    public static void StopAll(TimeSpan grace)
    {
        var all = Running.Keys.ToArray();
        foreach (var p in all) p.SendStopSignal();
        var until = DateTime.UtcNow + grace;
        foreach (var p in all)
        {
            while (p.IsRunning && DateTime.UtcNow < until) Thread.Sleep(20);
            p.Kill();
        }
    }

    private static void HookExit()
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 1) return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll(TimeSpan.FromSeconds(5));
        // Ctrl+C and SIGTERM: stop children first, then let the default handling end the process.
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT })
            SignalRegistrations.Add(PosixSignalRegistration.Create(signal, _ =>
            {
                if (Volatile.Read(ref _signalOwners) == 0) StopAll(TimeSpan.FromSeconds(5));
            }));
    }
}
