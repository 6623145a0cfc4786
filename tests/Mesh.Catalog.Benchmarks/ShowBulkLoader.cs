using Npgsql;

namespace Mesh.Catalog.Benchmarks;

/// <summary>
/// Grows the demo catalog (2,000 shows in the next 30 days) to the requested number of shows with one set-based
/// insert: extra shows on the 200 demo screens, four hours apart from day 32 on (no event lasts that long, so the
/// exclusion constraint accepts them), events and prices cycling deterministically.
/// </summary>
public static class ShowBulkLoader
{
    public static async Task<long> GrowToAsync(string connectionString, int shows)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        var existing = await ScalarAsync(db, "SELECT count(*) FROM shows");
        var extra = shows - existing;
        if (extra <= 0) return existing;
        await using (var insert = new NpgsqlCommand("""
            WITH sc AS (SELECT row_number() OVER (ORDER BY s.id) - 1 AS n, s.id, s.venue_id, v.city_id FROM screens s JOIN venues v ON v.id = s.venue_id),
                 ev AS (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, duration_minutes FROM events),
                 counts AS (SELECT (SELECT count(*) FROM sc) AS screens, (SELECT count(*) FROM ev) AS events),
                 planned AS (
                     SELECT g.i, sc.id AS screen_id, sc.venue_id, sc.city_id, ev.id AS event_id, ev.duration_minutes,
                            date_trunc('day', now()) + interval '32 days' + (g.i / counts.screens) * interval '4 hours' AS start_time,
                            800 + (g.i % 15) * 100 AS standard
                     FROM generate_series(0, @extra - 1) AS g(i) CROSS JOIN counts
                     JOIN sc ON sc.n = g.i % counts.screens
                     JOIN ev ON ev.n = (g.i * 7) % counts.events),
                 inserted AS (
                     INSERT INTO shows (id, event_id, screen_id, venue_id, city_id, start_time, end_time, currency, min_price_minor, max_price_minor, status)
                     SELECT gen_random_uuid(), event_id, screen_id, venue_id, city_id, start_time,
                            start_time + make_interval(mins => duration_minutes), 'EUR', standard, standard + 500, 'scheduled'
                     FROM planned
                     RETURNING id, min_price_minor)
            INSERT INTO show_prices (show_id, category, price_minor)
            SELECT id, 'standard', min_price_minor FROM inserted UNION ALL SELECT id, 'premium', min_price_minor + 500 FROM inserted
            """, db) { CommandTimeout = 600 })
        {
            insert.Parameters.AddWithValue("extra", (long)extra);
            await insert.ExecuteNonQueryAsync();
        }
        await using (var analyze = new NpgsqlCommand("ANALYZE", db) { CommandTimeout = 600 }) await analyze.ExecuteNonQueryAsync();
        return await ScalarAsync(db, "SELECT count(*) FROM shows");
    }

    public static async Task<List<Guid>> ShowIdsAsync(string connectionString)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM shows ORDER BY id", db);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
