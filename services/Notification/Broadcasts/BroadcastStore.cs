using System.Text.Json;
using Dapper;
using Mesh.Notification.Inbox;
using Mesh.Notification.Templates;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Notification.Broadcasts;

/// <summary>
/// "New show in your city" to every user whose home city it is. Planning (in the transaction that handles
/// catalog.show_created) records the broadcast once per show and cuts the city's users, in id order, into ranges of
/// <see cref="NotificationOptions.BroadcastBatchSize"/>, each a <see cref="BroadcastBatch"/> through the outbox.
/// Sending a batch inserts its users' notifications in one statement (the inbox's unique (user_id, event_id) makes a
/// redelivered batch add nothing), their email/SMS deliveries at the low priority, and one NOTIFY per user for the
/// live streams.
/// </summary>
public sealed class BroadcastStore(NotificationOptions options)
{
    public const string Kind = "new_show_in_city";

    /// <summary>Plans the broadcast of one source event (the show); a second planning of the same source does nothing. Answers the batch count.</summary>
    public async Task<int> PlanAsync(NpgsqlTransaction transaction, Guid sourceId, string cityId, IReadOnlyDictionary<string, string> data, DateTimeOffset now)
    {
        var connection = transaction.Connection!;
        var boundaries = (await connection.QueryAsync<Guid>("""
            SELECT user_id FROM (SELECT user_id, row_number() OVER (ORDER BY user_id) AS n FROM preferences WHERE home_city_id = @cityId) u
            WHERE (n - 1) % @size = 0 ORDER BY user_id
            """, new { cityId, size = options.BroadcastBatchSize }, transaction)).AsList();
        var id = Guid.CreateVersion7();
        var inserted = await connection.ExecuteAsync("""
            INSERT INTO broadcasts (id, source_id, city_id, kind, data, batches, create_time) VALUES (@id, @sourceId, @cityId, @Kind, @Data::jsonb, @batches, @now)
            ON CONFLICT (source_id) DO NOTHING
            """, new { id, sourceId, cityId, Kind, Data = JsonSerializer.Serialize(data), batches = boundaries.Count, now = now.UtcDateTime }, transaction);
        if (inserted == 0) return 0;
        for (var i = 0; i < boundaries.Count; i++)
            await Outbox.AddAsync(transaction, new BroadcastBatch(id, i, boundaries[i], i + 1 < boundaries.Count ? boundaries[i + 1] : null).Message());
        return boundaries.Count;
    }

    /// <summary>Sends one batch; answers how many notifications it made (0 when a redelivery finds them made).</summary>
    public static async Task<int> SendBatchAsync(NpgsqlTransaction transaction, BroadcastBatch batch, DateTimeOffset now)
    {
        var connection = transaction.Connection!;
        var broadcast = await connection.QuerySingleOrDefaultAsync<(string CityId, string Kind, string Data)>(
            "SELECT city_id, kind, data::text FROM broadcasts WHERE id = @BroadcastId", new { batch.BroadcastId }, transaction);
        if (broadcast.CityId is null) throw new InvalidDataException($"Broadcast {batch.BroadcastId} is unknown.");
        var data = JsonSerializer.Deserialize<Dictionary<string, string>>(broadcast.Data) ?? [];
        var english = TemplateCatalog.Render(broadcast.Kind, "en", data);
        var german = TemplateCatalog.Render(broadcast.Kind, "de", data);
        var category = Categories.Of(broadcast.Kind);
        var emailDefault = Categories.EmailByDefault(category);
        return await connection.ExecuteScalarAsync<int>("""
            WITH audience AS (
                SELECT p.* FROM preferences p
                WHERE p.home_city_id = @CityId AND p.user_id >= @FromUserId AND (@ToUserId::uuid IS NULL OR p.user_id < @ToUserId)
            ), made AS (
                INSERT INTO notifications (id, user_id, event_id, kind, category, title, body, data, create_time)
                SELECT gen_random_uuid(), a.user_id, @BroadcastId, @Kind, @Category,
                       CASE a.locale WHEN 'de' THEN @TitleDe ELSE @TitleEn END, CASE a.locale WHEN 'de' THEN @BodyDe ELSE @BodyEn END, @Data::jsonb, @Now
                FROM audience a
                ON CONFLICT ON CONSTRAINT notifications_once_per_user_and_event DO NOTHING
                RETURNING id, user_id
            ), mail AS (
                INSERT INTO deliveries (id, notification_id, user_id, channel, destination, state, priority, next_attempt_time, create_time)
                SELECT gen_random_uuid(), m.id, m.user_id, c.channel, c.destination, 'pending', 1, @Now, @Now
                FROM made m JOIN audience a ON a.user_id = m.user_id
                CROSS JOIN LATERAL (VALUES
                    ('email', a.email, coalesce((a.channels -> @Category ->> 'email')::boolean, @EmailDefault)),
                    ('sms', a.phone, coalesce((a.channels -> @Category ->> 'sms')::boolean, false))) AS c(channel, destination, wanted)
                WHERE NOT a.unsubscribed AND c.wanted AND c.destination IS NOT NULL AND c.destination <> ''
                RETURNING 1
            )
            SELECT count(*) FROM made, LATERAL (SELECT pg_notify(@Live, made.user_id::text)) n
            """, new
        {
            broadcast.CityId, batch.FromUserId, batch.ToUserId, batch.BroadcastId, broadcast.Kind, Category = category,
            TitleEn = english.Title, BodyEn = english.Body, TitleDe = german.Title, BodyDe = german.Body, broadcast.Data,
            Now = now.UtcDateTime, EmailDefault = emailDefault, Live = InboxStore.LiveChannel,
        }, transaction);
    }
}
