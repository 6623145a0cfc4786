using System.Globalization;
using System.Text;
using Mesh.Servers;
using Npgsql;

namespace Mesh.Benchmarks.Booking;

/// <summary>
/// The statement mix of the measured window (--statements): pg_stat_statements, preloaded by restarting the bench's
/// own PostgreSQL once with shared_preload_libraries set (ALTER SYSTEM), reset when the window opens and read when
/// it closes. Every statement of bookingdb and paymentdb (requests, outbox relays, inbox consumers, workers),
/// per confirmed booking. Off by default: the extension's own bookkeeping costs a little.
/// </summary>
public static class StatementMix
{
    /// <summary>Turns pg_stat_statements on: ALTER SYSTEM, restart on the same data directory and port, CREATE EXTENSION.</summary>
    public static async Task<PostgresServer> EnableAsync(PostgresServer postgres, PostgresOptions options)
    {
        await using (var connection = new NpgsqlConnection(postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using var alter = new NpgsqlCommand("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'", connection);
            await alter.ExecuteNonQueryAsync();
        }
        var port = postgres.Port;
        await postgres.StopAsync();
        // Pooled connections point at the stopped server (same port): drop them, or the next use fails (57P01).
        NpgsqlConnection.ClearAllPools();
        var restarted = await PostgresServer.StartAsync(options with { Port = port });
        try
        {
            await using var connection = new NpgsqlConnection(restarted.ConnectionString);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection);
            await create.ExecuteNonQueryAsync();
        }
        catch
        {
            await restarted.StopAsync();   // the caller only knows the first server, which is stopped already
            throw;
        }
        return restarted;
    }

    public static async Task ResetAsync(PostgresServer postgres)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var reset = new NpgsqlCommand("SELECT pg_stat_statements_reset()", connection);
        await reset.ExecuteNonQueryAsync();
    }

    /// <summary>Every statement of the two service databases with its calls per confirmed booking (for <see cref="StatementReplay"/>).</summary>
    public static async Task<List<StatementReplay.MixEntry>> ReadEntriesAsync(PostgresServer postgres, int confirmed)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("""
            SELECT d.datname, s.calls, s.query
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname IN ('bookingdb', 'paymentdb') AND s.toplevel
            """, connection);
        await using var reader = await read.ExecuteReaderAsync();
        var entries = new List<StatementReplay.MixEntry>();
        while (await reader.ReadAsync())
            entries.Add(new StatementReplay.MixEntry(reader.GetString(0), (double)reader.GetInt64(1) / Math.Max(1, confirmed), reader.GetString(2)));
        return entries;
    }

    /// <summary>The table: per statement of the two service databases, calls and execution ms per confirmed booking.</summary>
    public static async Task<string> ReadAsync(PostgresServer postgres, int confirmed)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var read = new NpgsqlCommand("""
            SELECT d.datname, s.calls, s.total_exec_time, s.rows, regexp_replace(s.query, '\s+', ' ', 'g')
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
            WHERE d.datname IN ('bookingdb', 'paymentdb')
            ORDER BY s.calls DESC, s.total_exec_time DESC
            """, connection);
        await using var reader = await read.ExecuteReaderAsync();
        var text = new StringBuilder();
        var per = Math.Max(1, confirmed);
        long calls = 0;
        double ms = 0;
        text.AppendLine(CultureInfo.InvariantCulture, $"  statements per confirmed booking ({confirmed} confirmed; pg_stat_statements, execution time only)");
        text.AppendLine("    db         calls/bkg  exec ms/bkg  rows/call  statement");
        while (await reader.ReadAsync())
        {
            var (db, c, total, rows, query) = (reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetString(4));
            calls += c;
            ms += total;
            if ((double)c / per < 0.01) continue;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"    {db,-10} {(double)c / per,9:F2}  {total / per,11:F3}  {(c == 0 ? 0 : (double)rows / c),9:F1}  {(query.Length > 150 ? query[..150] + "…" : query)}");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"    all        {(double)calls / per,9:F2}  {ms / per,11:F3}");
        return text.ToString();
    }
}
