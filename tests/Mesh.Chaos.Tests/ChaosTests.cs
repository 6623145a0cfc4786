namespace Mesh.Chaos.Tests;

/// <summary>
/// The chaos suite, short: the whole mesh from the app host, `./mesh load`'s mixed workload through its edge, the
/// faults injected while it runs, then every invariant. The second run plants a lost message and must be caught.
/// </summary>
public sealed class ChaosTests
{
    private static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("no Mesh.sln above " + AppContext.BaseDirectory);
        }
    }

    private static ChaosOptions Short(ITestOutputHelper output) => new()
    {
        DurationSeconds = 120, RampSeconds = 15, Rate = 3, MaxVirtualUsers = 30,
        Log = line => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"),
    };

    [Fact]
    public async Task A_kill_a_broker_restart_a_database_restart_and_a_pause_break_no_invariant()
    {
        var output = TestContext.Current.TestOutputHelper!;
        var options = Short(output) with
        {
            Faults = [FaultKind.KillService, FaultKind.RestartBroker, FaultKind.RestartDatabase, FaultKind.PauseService],
        };

        var report = await RunWithinBudgetAsync(options);

        Log(output, report);
        // One failure message with every breach, the cause first (a fault that did not heal usually explains the broken
        // invariants): CI keeps only the tail of a run's output.
        var breaches = report.FaultsNotHealed.Select(f => "fault not healed: " + f)
            .Concat(report.LoadExitCode == 0 ? [] : [$"the workload exited with {report.LoadExitCode}"])
            .Concat(report.Invariants.Where(i => !i.Holds).Select(i => $"invariant broken: {i.Name}: {i.Figure}"))
            .ToList();
        Assert.True(breaches.Count == 0, string.Join("\n", breaches));
        Assert.Equal(options.Faults.Count, report.FaultsInjected.Count);
    }

    [Fact]
    public async Task A_planted_lost_refund_request_is_caught_by_the_money_invariant()
    {
        var output = TestContext.Current.TestOutputHelper!;
        // No other fault: whatever breaks is the planted one. Each booking replica's first payment.refund_requested is
        // never written to its outbox, so a cancelled booking keeps its whole charge. Every booking of this run is
        // cancelled, so a refund is asked for whenever anything was booked (the first invariant checks that).
        var options = Short(output) with { DurationSeconds = 75, Faults = [], SkipOutboxType = "payment.refund_requested", CancelShare = 1 };

        var report = await RunWithinBudgetAsync(options);

        Log(output, report);
        Assert.Equal(0, report.LoadExitCode);
        var broken = report.Invariants.Where(i => !i.Holds).Select(i => i.Name).ToList();
        Assert.Equal(["every charge belongs to a confirmed booking or was refunded"], broken);
    }

    /// <summary>
    /// The most one run may take (about 10 min on CI's machine): a run that hangs fails here, its log saying where it
    /// stood, instead of using up CI's whole time.
    /// </summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(20);

    private static async Task<ChaosReport> RunWithinBudgetAsync(ChaosOptions options)
    {
        var test = TestContext.Current.CancellationToken;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(test);
        budget.CancelAfter(Budget);
        try
        {
            return await ChaosRun.RunAsync(options, RepositoryRoot, budget.Token);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !test.IsCancellationRequested)
        {
            throw new TimeoutException($"the chaos run took more than {Budget.TotalMinutes:0} min; the last lines of its log say where it stood");
        }
    }

    private static void Log(ITestOutputHelper output, ChaosReport report)
    {
        foreach (var line in report.LoadSummary.TakeLast(40)) output.WriteLine("load: " + line);
        foreach (var fault in report.FaultsInjected) output.WriteLine("fault: " + fault);
        foreach (var fault in report.FaultsNotHealed) output.WriteLine("fault NOT HEALED: " + fault);
        output.WriteLine(report.Costs);
        foreach (var i in report.Invariants) output.WriteLine($"{(i.Holds ? "HOLDS " : "BROKEN")}  {i.Name}: {i.Figure}");
    }
}
