using System.Text.Json;
using Dapper;
using Mesh.Analytics.Ingestion;
using Mesh.Analytics.V1;
using Npgsql;

namespace Mesh.Analytics.Aggregation;

/// <summary>
/// The SQL of the stream consumer's state (analyticsdb): its offset, the ids of the events it counted, the cities of
/// items, users' histories and shows' funnels. Everything one batch changes is written inside the caller's transaction,
/// together with the new offset (<see cref="AggregatingConsumer"/>).
/// </summary>
public sealed class AggregateStore(NpgsqlDataSource db, AnalyticsOptions options)
{
    public Task MigrateAsync(CancellationToken cancellationToken) =>
        Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(AggregateStore).Assembly, cancellationToken);

    public NpgsqlDataSource Db => db;

    /// <summary>The consumer's next offset, locked until the transaction ends (a second replica waits rather than counting the same batch).</summary>
    public static async Task<long?> LockOffsetAsync(NpgsqlTransaction tx, string consumer)
    {
        await tx.Connection!.ExecuteAsync(
            "INSERT INTO stream_offsets (consumer, next_offset, update_time) VALUES (@consumer, 0, now()) ON CONFLICT DO NOTHING", new { consumer }, tx);
        return await tx.Connection!.ExecuteScalarAsync<long>(
            "SELECT next_offset FROM stream_offsets WHERE consumer = @consumer FOR UPDATE", new { consumer }, tx);
    }

    public static Task SaveOffsetAsync(NpgsqlTransaction tx, string consumer, long nextOffset) =>
        tx.Connection!.ExecuteAsync("UPDATE stream_offsets SET next_offset = @nextOffset, update_time = now() WHERE consumer = @consumer",
            new { consumer, nextOffset }, tx);

    /// <summary>The next offset stored for <paramref name="consumer"/>, or null before its first batch.</summary>
    public async Task<long?> ReadOffsetAsync(string consumer, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(
            new CommandDefinition("SELECT next_offset FROM stream_offsets WHERE consumer = @consumer", new { consumer }, cancellationToken: cancellationToken));
    }

    /// <summary>Records the ids (distinct: the caller's dictionary keys) as counted; returns those not counted before (the rest were counted by an earlier pass over the stream).</summary>
    public static async Task<HashSet<Guid>> ClaimAsync(NpgsqlTransaction tx, IReadOnlyCollection<Guid> ids, DateTime now)
    {
        var fresh = await tx.Connection!.QueryAsync<Guid>("""
            INSERT INTO processed_events (event_id, process_time) SELECT unnest(@ids), @now
            ON CONFLICT DO NOTHING RETURNING event_id
            """, new { ids = ids.ToArray(), now }, tx);
        return fresh.ToHashSet();
    }

    /// <summary>Deletes up to <paramref name="limit"/> claims made before <paramref name="before"/>; returns how many went.</summary>
    public async Task<int> PruneClaimsAsync(DateTime before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM processed_events WHERE event_id IN (SELECT event_id FROM processed_events WHERE process_time < @before LIMIT @limit)
            """, new { before, limit }, cancellationToken: cancellationToken));
    }

    /// <summary>Learns the city of items named with one, and fills in the city of events that name an item without one.</summary>
    public static async Task ResolveCitiesAsync(NpgsqlTransaction tx, IReadOnlyList<AnalyticsEvent> events)
    {
        var known = events.Where(e => e.Item.Length > 0 && e.CityId.Length > 0).GroupBy(e => e.Item).Select(g => g.Last()).ToList();
        if (known.Count > 0)
            await tx.Connection!.ExecuteAsync("""
                INSERT INTO item_cities (item, city_id) SELECT * FROM unnest(@items, @cities)
                ON CONFLICT (item) DO UPDATE SET city_id = excluded.city_id
                """, new { items = known.Select(e => e.Item).ToArray(), cities = known.Select(e => e.CityId).ToArray() }, tx);
        var missing = events.Where(e => e.Item.Length > 0 && e.CityId.Length == 0).Select(e => e.Item).Distinct().ToArray();
        if (missing.Length == 0) return;
        var cities = (await tx.Connection!.QueryAsync<(string Item, string CityId)>(
            "SELECT item, city_id FROM item_cities WHERE item = ANY(@missing)", new { missing }, tx)).ToDictionary(r => r.Item, r => r.CityId);
        foreach (var e in events)
            if (e.Item.Length > 0 && e.CityId.Length == 0 && cities.TryGetValue(e.Item, out var city)) e.CityId = city;
    }

    /// <summary>Users' histories (trimmed to <see cref="AnalyticsOptions.HistoryPerUser"/>) and shows' funnels for the fresh events.</summary>
    public async Task AddAsync(NpgsqlTransaction tx, IReadOnlyList<AnalyticsEvent> events)
    {
        var withUser = events.Where(e => e.UserId.Length > 0).ToList();
        if (withUser.Count > 0)
        {
            // The rows go in and each user's size moves by what really went in (RETURNING: an event already in the
            // history adds nothing); the users now over the cap come back.
            var over = (await tx.Connection!.QueryAsync<string>("""
                WITH added AS (
                    INSERT INTO user_events (user_id, event_time, event_id, type, device_id, item, city_id, attributes)
                    SELECT u, t, i, ty, d, it, c, a::jsonb FROM unnest(@users, @times, @ids, @types, @devices, @items, @cities, @attributes) AS x(u, t, i, ty, d, it, c, a)
                    ON CONFLICT DO NOTHING
                    RETURNING user_id),
                sizes AS (
                    INSERT INTO user_history_sizes (user_id, events) SELECT user_id, count(*) FROM added GROUP BY user_id
                    ON CONFLICT (user_id) DO UPDATE SET events = user_history_sizes.events + excluded.events
                    RETURNING user_id, events)
                SELECT user_id FROM sizes WHERE events > @keep
                """, new
            {
                users = withUser.Select(e => e.UserId).ToArray(), times = withUser.Select(e => e.Time.ToDateTime()).ToArray(),
                ids = withUser.Select(e => Guid.Parse(e.Id)).ToArray(), types = withUser.Select(e => e.Type).ToArray(),
                devices = withUser.Select(e => e.DeviceId).ToArray(), items = withUser.Select(e => e.Item).ToArray(),
                cities = withUser.Select(e => e.CityId).ToArray(),
                attributes = withUser.Select(e => e.Attributes.Count == 0 ? "{}" : JsonSerializer.Serialize(e.Attributes.ToDictionary(a => a.Key, a => a.Value))).ToArray(),
                keep = options.HistoryPerUser,
            }, tx)).ToArray();
            if (over.Length > 0)
            {
                // Only those users: keep each one's newest N (the primary key orders them), then their sizes as counted.
                await tx.Connection!.ExecuteAsync("""
                    DELETE FROM user_events u USING (
                        SELECT user_id, event_time, event_id, row_number() OVER (PARTITION BY user_id ORDER BY event_time DESC, event_id DESC) AS n
                        FROM user_events WHERE user_id = ANY(@over)) old
                    WHERE old.n > @keep AND u.user_id = old.user_id AND u.event_time = old.event_time AND u.event_id = old.event_id
                    """, new { over, keep = options.HistoryPerUser }, tx);
                await tx.Connection!.ExecuteAsync("""
                    UPDATE user_history_sizes s SET events = (SELECT count(*) FROM user_events e WHERE e.user_id = s.user_id)
                    WHERE s.user_id = ANY(@over)
                    """, new { over }, tx);
            }
        }

        var steps = events
            .Select(e => (Show: ItemNames.ShowId(e.Item), Step: EventTypes.FunnelStep(e.Type), Actor: e.UserId.Length > 0 ? $"user:{e.UserId}" : $"device:{e.DeviceId}"))
            .Where(s => s.Show is not null && s.Step is not null)
            // A booking implies a hold and a view, a hold a view: the funnel never shows more holders than viewers.
            .SelectMany(s => Implied(s.Step!).Select(step => (Show: s.Show!.Value, Step: step, s.Actor)))
            .Distinct().ToList();
        if (steps.Count > 0)
            await tx.Connection!.ExecuteAsync("""
                INSERT INTO funnel_steps (show_id, step, actor) SELECT * FROM unnest(@shows, @steps, @actors) ON CONFLICT DO NOTHING
                """, new { shows = steps.Select(s => s.Show).ToArray(), steps = steps.Select(s => s.Step).ToArray(), actors = steps.Select(s => s.Actor).ToArray() }, tx);
    }

    private static string[] Implied(string step) => step switch
    {
        "booked" => ["viewed", "held", "booked"],
        "held" => ["viewed", "held"],
        _ => ["viewed"],
    };

    public async Task<IReadOnlyList<AnalyticsEvent>> HistoryAsync(string userId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(Guid EventId, string Type, DateTime EventTime, string DeviceId, string Item, string CityId, string Attributes)>(
            new CommandDefinition("""
                SELECT event_id, type, event_time, device_id, item, city_id, attributes::text FROM user_events
                WHERE user_id = @userId ORDER BY event_time DESC, event_id DESC LIMIT @limit
                """, new { userId, limit }, cancellationToken: cancellationToken));
        return rows.Select(r =>
        {
            var e = new AnalyticsEvent
            {
                Id = r.EventId.ToString(), Type = r.Type, UserId = userId, DeviceId = r.DeviceId, Item = r.Item, CityId = r.CityId,
                Time = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.SpecifyKind(r.EventTime, DateTimeKind.Utc)),
            };
            e.Attributes.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(r.Attributes) ?? []);
            return e;
        }).ToList();
    }

    public async Task<Funnel> FunnelAsync(Guid showId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var counts = (await connection.QueryAsync<(string Step, long Count)>(new CommandDefinition(
            "SELECT step, count(*) FROM funnel_steps WHERE show_id = @showId GROUP BY step", new { showId }, cancellationToken: cancellationToken)))
            .ToDictionary(r => r.Step, r => r.Count);
        return new Funnel
        {
            ShowId = showId.ToString(), Viewed = counts.GetValueOrDefault("viewed"), Held = counts.GetValueOrDefault("held"),
            Booked = counts.GetValueOrDefault("booked"),
        };
    }
}
