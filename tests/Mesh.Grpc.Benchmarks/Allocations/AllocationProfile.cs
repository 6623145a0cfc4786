using System.Diagnostics.Tracing;

namespace Mesh.Grpc.Benchmarks.Allocations;

/// <summary>
/// <c>alloc-profile [--calls N] [--deadline]</c>: where the bytes of a unary call go, by type. Runs the
/// UnaryCallAllocationBenchmark call N times under an in-process listener for the runtime's
/// GCAllocationTick events (one sample per ~100 KB allocated, tagged with the type whose allocation
/// crossed the mark), so each type's share of the samples is its share of the bytes. The harness
/// allocates nothing (see the benchmark's Harness row), so every sampled type is the call's.
/// </summary>
public static class AllocationProfile
{
    public static int Run(string[] args)
    {
        var calls = 2_000_000;
        var deadline = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--calls") calls = int.Parse(args[++i]);
            else if (args[i] == "--deadline") deadline = true;
            else throw new ArgumentException($"unknown flag {args[i]} (--calls N, --deadline)");
        }
        var benchmark = new UnaryCallAllocationBenchmark();
        benchmark.Setup();
        for (var i = 0; i < 100_000; i++) Call(benchmark, deadline); // JIT and tiering before sampling

        using var listener = new AllocationTickListener();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < calls; i++) Call(benchmark, deadline);
        var perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)calls;
        benchmark.Cleanup();

        Console.WriteLine($"{calls} unary calls{(deadline ? " with grpc-timeout" : "")}, {perCall:F0} bytes allocated per call (GC.GetAllocatedBytesForCurrentThread)");
        Console.WriteLine($"{listener.Total} allocation samples; estimated bytes per call by type:");
        foreach (var (type, count) in listener.Snapshot().OrderByDescending(kv => kv.Value))
            Console.WriteLine($"  {count * perCall / listener.Total,7:F0} B  {count,6} samples  {type}");
        return 0;
    }

    private static long Call(UnaryCallAllocationBenchmark benchmark, bool deadline) =>
        deadline ? benchmark.UnaryCallWithDeadline() : benchmark.UnaryCall();

    private sealed class AllocationTickListener : EventListener
    {
        private const EventKeywords GcKeyword = (EventKeywords)0x1;
        private readonly Dictionary<string, int> _samples = new();

        public int Total { get; private set; }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
            var index = e.PayloadNames.IndexOf("TypeName");
            var type = index >= 0 ? e.Payload?[index] as string ?? "?" : "?";
            lock (_samples)
            {
                _samples[type] = _samples.GetValueOrDefault(type) + 1;
                Total++;
            }
        }

        public Dictionary<string, int> Snapshot()
        {
            lock (_samples) return new Dictionary<string, int>(_samples);
        }
    }
}
