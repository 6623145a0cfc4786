using System.Text.Json;
using Dapper;
using Mesh.Notification.Events;
using Mesh.Notification.Inbox;
using Npgsql;

namespace Mesh.Notification.Reminders;

/// <summary>
/// "Your show is tomorrow": computed here from booking.confirmed, which carries the start time — no producer had to
/// change. One reminder per booking (unique booking_id), due <see cref="NotificationOptions.ReminderLead"/> before the
/// start; a booking confirmed later than that gets none (its confirmation already says when it starts). A
/// cancellation removes the reminder if it has not gone out.
/// </summary>
public sealed class ReminderStore(NpgsqlDataSource db, NotificationOptions options, TimeProvider clock)
{
    public async Task ScheduleAsync(NpgsqlTransaction transaction, Guid bookingId, Guid userId, DateTime startsAt, IReadOnlyDictionary<string, string> data)
    {
        var due = DateTime.SpecifyKind(startsAt, DateTimeKind.Utc) - options.ReminderLead;
        if (due <= clock.GetUtcNow().UtcDateTime) return;
        await transaction.Connection!.ExecuteAsync("""
            INSERT INTO reminders (id, booking_id, user_id, due_time, data, state) VALUES (@Id, @bookingId, @userId, @due, @Data::jsonb, 'scheduled')
            ON CONFLICT (booking_id) DO NOTHING
            """, new { Id = Guid.CreateVersion7(), bookingId, userId, due, Data = JsonSerializer.Serialize(data) }, transaction);
    }

    public static Task CancelAsync(NpgsqlTransaction transaction, Guid bookingId) =>
        transaction.Connection!.ExecuteAsync("UPDATE reminders SET state = 'cancelled' WHERE booking_id = @bookingId AND state = 'scheduled'", new { bookingId }, transaction);

    /// <summary>
    /// Turns due reminders into notifications (event id = the reminder's id, so the inbox dedupes them too), each with
    /// its row's state change in one transaction; replicas share the work (SKIP LOCKED). Answers how many.
    /// </summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = (await connection.QueryAsync<(Guid Id, Guid UserId, string Data)>("""
            SELECT id, user_id, data::text FROM reminders WHERE state = 'scheduled' AND due_time <= @now ORDER BY due_time LIMIT 100 FOR UPDATE SKIP LOCKED
            """, new { now = now.UtcDateTime }, transaction)).AsList();
        foreach (var (id, userId, data) in due)
        {
            var fields = JsonSerializer.Deserialize<Dictionary<string, string>>(data) ?? [];
            await InboxStore.AddAsync(transaction, new NotificationIntent(userId, id, "show_reminder", fields), now);
            await connection.ExecuteAsync("UPDATE reminders SET state = 'sent' WHERE id = @id", new { id }, transaction);
        }
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }
}
