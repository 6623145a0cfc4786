using System.Text.Json;
using Dapper;
using Mesh.Notification.Events;
using Mesh.Notification.Preferences;
using Mesh.Notification.Templates;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Notification.Inbox;

/// <summary>
/// The inbox and what hangs off it. <see cref="AddAsync"/> is the one way a notification is made: in the caller's
/// transaction (the consumer's, with its mesh_inbox row) it inserts the notification — nothing when the user already
/// has this event (unique (user_id, event_id)) — then one pending delivery per email/SMS channel the user's preferences
/// choose (unique (notification_id, channel)), and a NOTIFY that wakes the user's live streams on every replica once
/// the transaction commits. So an event delivered twice, or redelivered after a crash before its ack, adds nothing.
/// </summary>
public sealed class InboxStore(NpgsqlDataSource db)
{
    /// <summary>The NOTIFY channel; payload = the user id.</summary>
    public const string LiveChannel = "notification_inbox";

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(InboxStore).Assembly, cancellationToken);
        await Outbox.MigrateAsync(db, cancellationToken);
    }

    /// <summary>The notification made, or null when the user already had this event.</summary>
    public static async Task<NotificationRow?> AddAsync(NpgsqlTransaction transaction, NotificationIntent intent, DateTimeOffset now, short priority = 0)
    {
        var connection = transaction.Connection!;
        var preferences = await PreferenceStore.GetAsync(connection, transaction, intent.UserId);
        var text = TemplateCatalog.Render(intent.Kind, preferences.Locale, intent.Data, intent.Fallback);
        var row = await connection.QuerySingleOrDefaultAsync<NotificationRow>($"""
            INSERT INTO notifications (id, user_id, event_id, kind, category, title, body, data, create_time)
            VALUES (@Id, @UserId, @EventId, @Kind, @Category, @Title, @Body, @Data::jsonb, @Now)
            ON CONFLICT ON CONSTRAINT notifications_once_per_user_and_event DO NOTHING
            RETURNING {NotificationRow.Columns}
            """, new
        {
            Id = Guid.CreateVersion7(), intent.UserId, intent.EventId, intent.Kind, intent.Category, text.Title, text.Body,
            Data = JsonSerializer.Serialize(intent.Data), Now = now.UtcDateTime,
        }, transaction);
        if (row is null) return null;
        foreach (var channel in DeliveryChannels.All)
        {
            if (preferences.Destination(intent.Category, channel) is not { Length: > 0 } destination) continue;
            await connection.ExecuteAsync("""
                INSERT INTO deliveries (id, notification_id, user_id, channel, destination, state, priority, next_attempt_time, create_time)
                VALUES (@Id, @NotificationId, @UserId, @Channel, @Destination, 'pending', @Priority, @Now, @Now)
                ON CONFLICT ON CONSTRAINT deliveries_once_per_channel DO NOTHING
                """, new { Id = Guid.CreateVersion7(), NotificationId = row.Id, intent.UserId, Channel = channel, Destination = destination, Priority = priority, Now = now.UtcDateTime }, transaction);
        }
        await connection.ExecuteAsync("SELECT pg_notify(@channel, @payload)", new { channel = LiveChannel, payload = intent.UserId.ToString() }, transaction);
        return row;
    }

    public async Task<(IReadOnlyList<NotificationRow> Page, long UnreadCount)> ListAsync(Guid userId, long? afterSeq, int limit, bool unreadOnly, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<NotificationRow>($"""
            SELECT {NotificationRow.Columns} FROM notifications
            WHERE user_id = @userId AND (@afterSeq::bigint IS NULL OR seq < @afterSeq) AND (NOT @unreadOnly OR read_time IS NULL)
            ORDER BY seq DESC LIMIT @limit
            """, new { userId, afterSeq, unreadOnly, limit })).AsList();
        return (rows, await UnreadAsync(connection, userId));
    }

    /// <summary>The user's notifications after <paramref name="afterSeq"/>, oldest first (the live streams' read).</summary>
    public async Task<IReadOnlyList<NotificationRow>> ReadAfterAsync(Guid userId, long afterSeq, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<NotificationRow>($"""
            SELECT {NotificationRow.Columns} FROM notifications WHERE user_id = @userId AND seq > @afterSeq ORDER BY seq LIMIT 500
            """, new { userId, afterSeq })).AsList();
    }

    /// <summary>The newest arrival number of the user's inbox (0 for none): where a new live stream starts.</summary>
    public async Task<long> LastSeqAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>("SELECT max(seq) FROM notifications WHERE user_id = @userId", new { userId }) ?? 0;
    }

    /// <summary>Marks it read (the first read time stays); null when the user has no such notification.</summary>
    public async Task<NotificationRow?> MarkReadAsync(Guid userId, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<NotificationRow>($"""
            UPDATE notifications SET read_time = coalesce(read_time, @now) WHERE id = @id AND user_id = @userId RETURNING {NotificationRow.Columns}
            """, new { id, userId, now = now.UtcDateTime });
    }

    public async Task<long> MarkAllReadAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync("UPDATE notifications SET read_time = @now WHERE user_id = @userId AND read_time IS NULL", new { userId, now = now.UtcDateTime });
    }

    public async Task<long> UnreadCountAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await UnreadAsync(connection, userId);
    }

    private static Task<long> UnreadAsync(NpgsqlConnection connection, Guid userId) =>
        connection.ExecuteScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = @userId AND read_time IS NULL", new { userId });
}
