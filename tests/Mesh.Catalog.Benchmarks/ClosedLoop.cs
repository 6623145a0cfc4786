using System.Diagnostics;

namespace Mesh.Catalog.Benchmarks;

/// <summary>
/// The outcome of a run: calls completed, failures, wall time, each call's latency, and the CPU time this process
/// (callers and catalog together; PostgreSQL and Redis are other processes) spent during the run.
/// </summary>
public sealed record LoadResult(long Calls, long Failures, TimeSpan Elapsed, double[] LatenciesMs, TimeSpan ProcessCpu)
{
    public double Rps => Calls / Elapsed.TotalSeconds;

    /// <summary>CPU per call in µs: steadier than RPS on a shared machine, where other processes take the cores.</summary>
    public double CpuMicrosPerCall => Calls == 0 ? double.NaN : ProcessCpu.TotalMicroseconds / Calls;
    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0) return double.NaN;
        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// A closed loop: <c>concurrency</c> callers, each issuing its next call as soon as the previous one answered, for a
/// fixed time (or a fixed number of calls in all). The call gets a global sequence number (to pick its input).
/// </summary>
public static class ClosedLoop
{
    public static async Task<LoadResult> RunAsync(int concurrency, TimeSpan duration, long maxCalls, Func<long, Task> call)
    {
        long sequence = -1, failures = 0;
        var latencies = new List<double>[concurrency];
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(4096);
            while (stopwatch.Elapsed < duration)
            {
                var n = Interlocked.Increment(ref sequence);
                if (n >= maxCalls) break;
                var start = Stopwatch.GetTimestamp();
                try { await call(n); }
                catch (Exception) { Interlocked.Increment(ref failures); continue; }
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = stopwatch.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var all = latencies.SelectMany(l => l).ToArray();
        return new LoadResult(all.Length, failures, elapsed, all, cpu);
    }
}
