using Dapper;
using Mesh.Notification.Preferences;
using Npgsql;

namespace Mesh.Notification.Delivery;

/// <summary>
/// One round of email/SMS sending. Claims due pending deliveries (FOR UPDATE SKIP LOCKED: replicas share the work,
/// a row is never sent by two at once), the user's own events before broadcasts (priority), and for each:
/// in the user's quiet hours → waits until they end (no attempt spent); else the provider gets it with the delivery
/// id as idempotency key → SENT; a failure → attempts + 1 and back-off (doubling from InitialBackoff up to
/// MaxBackoff), DEAD after MaxAttempts. The outcome commits with the claim; a crash after the provider took a message
/// and before the commit sends it again with the same key, which the provider drops.
/// </summary>
public sealed class DeliveryRound(NpgsqlDataSource db, IMessageProvider provider, NotificationOptions options, TimeProvider clock, ILogger<DeliveryRound> logger)
{
    /// <summary>Runs one round; answers how many deliveries it looked at (0 = nothing was due).</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = (await connection.QueryAsync<DeliveryRow>($"""
            SELECT {DeliveryRow.Columns} FROM deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE d.state = 'pending' AND d.next_attempt_time <= @now
            ORDER BY d.priority, d.next_attempt_time LIMIT @limit FOR UPDATE OF d SKIP LOCKED
            """, new { now = now.UtcDateTime, limit = options.DeliveryBatch }, transaction)).AsList();
        foreach (var delivery in due)
        {
            var preferences = await PreferenceStore.GetAsync(connection, transaction, delivery.UserId);
            if (preferences.QuietUntil(now) is { } until)
            {
                await connection.ExecuteAsync("UPDATE deliveries SET next_attempt_time = @until WHERE id = @Id",
                    new { until = until.UtcDateTime, delivery.Id }, transaction);
                continue;
            }
            try
            {
                await provider.SendAsync(new OutgoingMessage(delivery.Id, delivery.Channel, delivery.Destination, delivery.Title, delivery.Body), cancellationToken);
                await connection.ExecuteAsync("UPDATE deliveries SET state = 'sent', attempts = attempts + 1, sent_time = @now, last_error = NULL WHERE id = @Id",
                    new { now = now.UtcDateTime, delivery.Id }, transaction);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var attempts = delivery.Attempts + 1;
                var error = e.Message.Length > 500 ? e.Message[..500] : e.Message;
                if (attempts >= options.MaxAttempts)
                {
                    logger.LogWarning("Delivery {Id} ({Channel}) failed {Attempts} times; dead: {Error}", delivery.Id, delivery.Channel, attempts, error);
                    await connection.ExecuteAsync("UPDATE deliveries SET state = 'dead', attempts = @attempts, last_error = @error, dead_time = @now WHERE id = @Id",
                        new { attempts, error, now = now.UtcDateTime, delivery.Id }, transaction);
                }
                else
                {
                    await connection.ExecuteAsync("UPDATE deliveries SET attempts = @attempts, last_error = @error, next_attempt_time = @next WHERE id = @Id",
                        new { attempts, error, next = (now + Backoff(attempts)).UtcDateTime, delivery.Id }, transaction);
                }
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    /// <summary>After the n-th failed attempt: InitialBackoff × 2^(n-1), at most MaxBackoff.</summary>
    public TimeSpan Backoff(int failedAttempts) =>
        TimeSpan.FromTicks(Math.Min(options.InitialBackoff.Ticks << Math.Min(failedAttempts - 1, 20), options.MaxBackoff.Ticks));
}
