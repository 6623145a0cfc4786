using System.Globalization;
using System.Text;
using Mesh.Chaos.Invariants;

namespace Mesh.Chaos;

/// <summary>
/// What the workload cost, for docs/capacity.md: each resource's CPU time (its processes and their children, from
/// /proc), each database's transactions, statements (pg_stat_statements) and rows, and the messages the services
/// sent by type (their outboxes), between two snapshots — when the workload's customers are prepared and when it ends.
/// A fault that restarts a process loses that process's CPU time before the restart: read the CPU figures of a run
/// without faults.
/// </summary>
public static class Costs
{
    public sealed record DatabaseCounters(long Transactions, long Statements, long RowsRead, long RowsWritten);

    public sealed record Snapshot(DateTime At, IReadOnlyDictionary<string, double> CpuSeconds, IReadOnlyDictionary<string, DatabaseCounters> Databases,
        IReadOnlyDictionary<string, long> MessagesByType, long BookingsConfirmed);

    private static readonly string[] Servers = ["postgres", "messaging", "cache"];

    public static async Task<Snapshot> TakeAsync(MeshUnderTest mesh, MeshDatabases db, CancellationToken ct)
    {
        var cpu = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var resource in MeshUnderTest.Services.Concat(Servers))
            cpu[resource] = mesh.RunningInstances(resource).Sum(i => ProcessTree.CpuSeconds(i.Pid));

        var databases = new Dictionary<string, DatabaseCounters>(StringComparer.Ordinal);
        var statements = (await db.QueryAsync<(string Db, long Calls)>("postgres", """
            SELECT d.datname, sum(s.calls)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid GROUP BY d.datname
            """, ct)).ToDictionary(r => r.Db, r => r.Calls);
        foreach (var row in await db.QueryAsync<(string Db, long Xacts, long Read, long Written)>("postgres", """
            SELECT datname, (xact_commit + xact_rollback)::bigint, (tup_returned + tup_fetched)::bigint, (tup_inserted + tup_updated + tup_deleted)::bigint
            FROM pg_stat_database WHERE datname = ANY(@names)
            """, ct, new { names = MeshDatabases.Names }))
            databases[row.Db] = new(row.Xacts, statements.GetValueOrDefault(row.Db), row.Read, row.Written);

        var messages = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in await db.MessagingAsync(ct))
            foreach (var (type, count) in await db.QueryAsync<(string Type, long Count)>(name, "SELECT type, count(*) FROM mesh_outbox GROUP BY type", ct))
                messages[type] = messages.GetValueOrDefault(type) + count;
        // Booking makes its tables as it starts up, which may end after the app model calls it healthy.
        var bookings = await db.ScalarAsync<bool>("bookingdb", "SELECT to_regclass('bookings') IS NOT NULL", ct)
            ? await db.ScalarAsync<long>("bookingdb", "SELECT count(*) FROM bookings WHERE status IN ('CONFIRMED', 'CANCELLED')", ct)
            : 0;
        return new(DateTime.UtcNow, cpu, databases, messages, bookings);
    }

    /// <summary>Resets the statement counters and makes the view (the extension is loaded by every PostgreSQL the app host starts).</summary>
    public static async Task PrepareAsync(MeshDatabases db, CancellationToken ct)
    {
        await db.ScalarAsync<string>("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT 'ok'", ct);
        await db.ScalarAsync<string>("postgres", "SELECT pg_stat_statements_reset()::text", ct);
    }

    /// <summary>The difference of two snapshots per edge request and per booking, as the report's text.</summary>
    /// <param name="idle">Two snapshots of the idle mesh (settled, after the workload): each resource's CPU when nobody
    /// calls it (timers, relays polling, sweepers, health checks, telemetry), which a replica costs whatever its traffic.</param>
    public static string Describe((Snapshot From, Snapshot To)? idle, Snapshot before, Snapshot after, long edgeRequests)
    {
        var seconds = (after.At - before.At).TotalSeconds;
        var bookings = after.BookingsConfirmed - before.BookingsConfirmed;
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"costs over {seconds:0} s: {edgeRequests} edge requests ({edgeRequests / seconds:0.0}/s), {bookings} bookings confirmed");
        text.AppendLine("resource        CPU s   cores   idle cores   CPU ms per edge request (all / above idle)");
        foreach (var (name, cpu) in after.CpuSeconds.OrderByDescending(p => p.Value - before.CpuSeconds.GetValueOrDefault(p.Key)))
        {
            var used = cpu - before.CpuSeconds.GetValueOrDefault(name);
            var idleCores = idle is var (from, to) ? (to.CpuSeconds.GetValueOrDefault(name) - from.CpuSeconds.GetValueOrDefault(name)) / (to.At - from.At).TotalSeconds : 0;
            var above = used - idleCores * seconds;
            text.AppendLine(c, $"{name,-14}{used,7:0.0}{used / seconds,8:0.00}{idleCores,13:0.000}{(edgeRequests > 0 ? used * 1000 / edgeRequests : 0),12:0.00} / {(edgeRequests > 0 ? above * 1000 / edgeRequests : 0):0.00}");
        }
        text.AppendLine("database        transactions  statements  rows read  rows written   statements per edge request / per booking");
        foreach (var (name, counters) in after.Databases.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var b = before.Databases.GetValueOrDefault(name) ?? new(0, 0, 0, 0);
            var statements = counters.Statements - b.Statements;
            text.AppendLine(c, $"{name,-16}{counters.Transactions - b.Transactions,12}{statements,12}{counters.RowsRead - b.RowsRead,11}{counters.RowsWritten - b.RowsWritten,14}"
                + $"   {(edgeRequests > 0 ? (double)statements / edgeRequests : 0):0.00} / {(bookings > 0 ? (double)statements / bookings : 0):0.0}");
        }
        text.AppendLine("messages sent (outboxes)   count   per booking");
        foreach (var (type, count) in after.MessagesByType.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var sent = count - before.MessagesByType.GetValueOrDefault(type);
            if (sent > 0) text.AppendLine(c, $"{type,-26}{sent,7}{(bookings > 0 ? (double)sent / bookings : 0),14:0.00}");
        }
        return text.ToString();
    }
}
