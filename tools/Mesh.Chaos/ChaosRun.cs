using Aspire.Hosting.ApplicationModel;
using Mesh.Chaos.Invariants;

namespace Mesh.Chaos;

/// <summary>What a chaos run found: every invariant with its figure, and the workload's own summary.</summary>
public sealed record ChaosReport(IReadOnlyList<InvariantResult> Invariants, IReadOnlyList<string> LoadSummary, int LoadExitCode, IReadOnlyList<string> FaultsInjected,
    IReadOnlyList<string> FaultsNotHealed, string Costs)
{
    public bool Passed => LoadExitCode == 0 && FaultsNotHealed.Count == 0 && Invariants.All(i => i.Holds);
}

/// <summary>
/// One chaos run: the mesh up, the workload running, the faults injected one after another spread over it, the mesh
/// left to settle, then the invariants checked.
/// </summary>
public static class ChaosRun
{
    public static async Task<ChaosReport> RunAsync(ChaosOptions options, string repositoryRoot, CancellationToken ct)
    {
        var log = options.Log;
        var random = options.Seed is { } seed ? new Random(seed) : new Random();
        log("starting the mesh (app host)");
        await using var mesh = await MeshUnderTest.StartAsync(options, ct);
        log($"mesh healthy; edge {mesh.Edge}");

        var db = await DatabasesAsync(mesh, ct);
        try
        {
            await Costs.PrepareAsync(db, ct);
        }
        catch (Npgsql.NpgsqlException e)
        {
            log($"costs: no statement statistics ({e.Message})");
        }

        var report = Path.Combine(repositoryRoot, ".mesh", "bench", $"chaos-{DateTime.UtcNow:yyyyMMddTHHmmssZ}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(report)!);
        var ready = report + ".ready";
        using var load = LoadRun.Start(repositoryRoot, mesh.Edge, options, report, ready);

        // Faults evenly over the sustained phase once the workload runs (its customers prepared), each after the
        // previous one has healed.
        var preparing = DateTime.UtcNow;
        while (!File.Exists(ready) && !load.HasExited && DateTime.UtcNow - preparing < TimeSpan.FromMinutes(10)) await Task.Delay(TimeSpan.FromSeconds(1), ct);
        log($"workload running (customers prepared in {(DateTime.UtcNow - preparing).TotalSeconds:0} s)");
        Costs.Snapshot? before = null;
        try
        {
            before = await Costs.TakeAsync(mesh, db, ct);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or IOException)
        {
            log($"costs: no first snapshot ({e.Message}); the run goes on without its cost figures");
        }
        var faults = new Faults(mesh, random, log);
        var total = TimeSpan.FromSeconds(options.RampSeconds + options.DurationSeconds);
        var gap = TimeSpan.FromSeconds(options.DurationSeconds / (double)(options.Faults.Count + 1));
        var started = DateTime.UtcNow;
        var injected = new List<string>();
        var unhealed = new List<string>();
        for (var i = 0; i < options.Faults.Count; i++)
        {
            var at = started + TimeSpan.FromSeconds(options.RampSeconds) + gap * (i + 1);
            if (at > DateTime.UtcNow) await Task.Delay(at - DateTime.UtcNow, ct);
            try
            {
                injected.Add(await faults.InjectAsync(options.Faults[i], options, ct));
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                // A fault that does not heal (a service never healthy again) is itself a breach; the run goes on to
                // the invariants, which show what it cost.
                log($"fault {options.Faults[i]} did not heal: {e.Message}");
                unhealed.Add($"{options.Faults[i]}: {e.Message}");
            }
        }
        var (exitCode, output) = await load.WaitAsync(ct);
        await EnsureEverythingRunsAsync(mesh, log, ct);
        log($"workload ended ({exitCode}) after {(DateTime.UtcNow - started).TotalSeconds:0} s of {total.TotalSeconds:0} planned");
        if (exitCode != 0) foreach (var line in output.TakeLast(15)) log("  load: " + line);

        Costs.Snapshot? after = null;
        try
        {
            after = await Costs.TakeAsync(mesh, db, ct);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or IOException)
        {
            log($"costs: no last snapshot ({e.Message})");
        }
        await SettleAsync(db, options.SettleWithin, log, ct);

        // The settled mesh's own CPU (timers, relays polling, sweepers, health checks, telemetry) with nobody calling
        // it — warmed up, unlike right after start-up: what a replica costs whatever its traffic.
        var costs = "";
        if (before is not null && after is not null)
        {
            (Costs.Snapshot, Costs.Snapshot)? idle = null;
            try
            {
                var idleFrom = await Costs.TakeAsync(mesh, db, ct);
                await Task.Delay(options.IdleSample, ct);
                idle = (idleFrom, await Costs.TakeAsync(mesh, db, ct));
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or IOException)
            {
                log($"costs: no idle sample ({e.Message})");
            }
            costs = Costs.Describe(idle, before, after, EdgeRequests(report));
            await File.WriteAllTextAsync(Path.ChangeExtension(report, ".costs.txt"), costs, ct);
            log(costs);
        }

        Func<MeshDatabases, CancellationToken, Task<InvariantResult>>[] invariants =
        [
            WorkloadInvariants.ExercisedAsync,
            BookingInvariants.SeatsSoldOnceAsync,
            BookingInvariants.SlotsWithinCapacityAsync,
            BookingInvariants.NoHoldOutlivesItsExpiryAsync,
            BookingInvariants.BookingsTerminalAsync,
            MoneyInvariants.ChargesAccountedAsync,
            MoneyInvariants.LedgerBalancesAsync,
            MessagingInvariants.OutboxesDrainedAsync,
            MessagingInvariants.InboxOnceAsync,
            MessagingInvariants.DeadLettersAsync,
            CouponInvariants.WithinLimitsAsync,
            NotificationInvariants.DeliveredOncePerChannelAsync,
        ];
        var results = new List<InvariantResult>();
        foreach (var invariant in invariants)
        {
            try
            {
                results.Add(await invariant(db, ct));
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or RabbitMQ.Client.Exceptions.BrokerUnreachableException or TimeoutException)
            {
                // What cannot be read is not shown to hold.
                results.Add(new InvariantResult(invariant.Method.Name.Replace("Async", ""), false, "could not be read: " + e.Message));
            }
        }
        return new ChaosReport(results, output.Where(l => !l.StartsWith("Test run id", StringComparison.Ordinal)).ToList(), exitCode, injected, unhealed, costs);
    }

    /// <summary>The servers first: every service's health depends on them.</summary>
    private static readonly string[] ServersThenServices = ["postgres", "messaging", "cache", .. MeshUnderTest.Services];

    /// <summary>
    /// A safety net before settling (a fault that did not heal is already a breach), servers first. Instances still on
    /// their way down or up get four minutes in all (not each: a server that never comes back leaves every service
    /// unhealthy); one left stopped is started again, so the invariants read a whole mesh.
    /// </summary>
    private static async Task EnsureEverythingRunsAsync(MeshUnderTest mesh, Action<string> log, CancellationToken ct)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        foreach (var resource in ServersThenServices)
            foreach (var instance in mesh.InstanceIds(resource))
            {
                if (!mesh.IsHealthy(instance) && !mesh.IsStopped(instance) && DateTime.UtcNow < until)
                {
                    log($"{instance} is {mesh.Describe(instance)} after the faults: waiting for it to run or stop");
                    while (!mesh.IsHealthy(instance) && !mesh.IsStopped(instance) && DateTime.UtcNow < until) await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                if (!mesh.IsStopped(instance)) continue;
                log($"{instance} is {mesh.Describe(instance)} after the faults: starting it before the invariants");
                try
                {
                    await mesh.StartAndWaitHealthyAsync(instance, log, ct);
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    log($"{instance} could not be started again: {e.Message}; its last log lines:");
                    foreach (var line in await mesh.LastLogLinesAsync(instance, 20, ct)) log("  " + line);
                }
            }
        foreach (var resource in ServersThenServices)
            foreach (var instance in mesh.InstanceIds(resource).Where(i => !mesh.IsHealthy(i)))
                log($"{instance} is still {mesh.Describe(instance)} before the invariants");
    }

    private static async Task<MeshDatabases> DatabasesAsync(MeshUnderTest mesh, CancellationToken ct)
    {
        var databases = new Dictionary<string, string>();
        foreach (var name in MeshDatabases.Names.Append("postgres")) databases[name] = await mesh.ConnectionStringAsync(name, ct);
        return new MeshDatabases(databases, await mesh.ConnectionStringAsync("messaging", ct));
    }

    /// <summary>The requests the workload sent through the edge (its summary, written by summarize.mjs); 0 when it has none.</summary>
    private static long EdgeRequests(string report)
    {
        var summary = Path.ChangeExtension(report, ".summary.json");
        if (!File.Exists(summary)) return 0;
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(summary));
        return json.RootElement.TryGetProperty("requests", out var requests) ? requests.GetInt64() : 0;
    }

    /// <summary>
    /// Waits (bounded) for the mesh's resting state: no booking pending and every outbox sent. The invariants are then
    /// checked whether or not it was reached — a mesh that never settles fails them.
    /// </summary>
    private static async Task SettleAsync(MeshDatabases db, TimeSpan within, Action<string> log, CancellationToken ct)
    {
        var until = DateTime.UtcNow + within;
        while (true)
        {
            long pending, unsent = 0;
            try
            {
                pending = await db.ScalarAsync<long>("bookingdb", "SELECT count(*) FROM bookings WHERE status = 'PENDING'", ct);
                foreach (var name in await db.MessagingAsync(ct)) unsent += await db.ScalarAsync<long>(name, "SELECT count(*) FROM mesh_outbox WHERE sent_at IS NULL", ct);
                pending += await db.ScalarAsync<long>("notificationdb", "SELECT count(*) FROM deliveries WHERE state = 'pending'", ct);
            }
            catch (Npgsql.NpgsqlException e)
            {
                log($"settling: database not answering yet ({e.Message})");
                pending = unsent = -1;
            }
            if (pending == 0 && unsent == 0) { log("settled: no booking or delivery pending, every outbox sent"); return; }
            if (DateTime.UtcNow > until) { log($"not settled within {within.TotalSeconds:0} s: {pending} bookings or deliveries pending, {unsent} outbox rows unsent"); return; }
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
        }
    }
}
