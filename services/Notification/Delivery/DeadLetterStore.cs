using Dapper;
using Npgsql;

namespace Mesh.Notification.Delivery;

/// <summary>Dead deliveries: listed oldest first (by id, a UUIDv7), and replayed — back to pending with fresh attempts.</summary>
public sealed class DeadLetterStore(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<DeliveryRow>> ListAsync(Guid? afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<DeliveryRow>($"""
            SELECT {DeliveryRow.Columns} FROM deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE d.state = 'dead' AND (@afterId::uuid IS NULL OR d.id > @afterId) ORDER BY d.id LIMIT @limit
            """, new { afterId, limit })).AsList();
    }

    public enum ReplayOutcome { Replayed, NotFound, NotDead }

    /// <summary>Only a DEAD delivery goes back (atomically): replaying twice, or a sent one, changes nothing.</summary>
    public async Task<(ReplayOutcome, DeliveryRow?)> ReplayAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var replayed = await connection.ExecuteAsync("""
            UPDATE deliveries SET state = 'pending', attempts = 0, dead_time = NULL, next_attempt_time = @now WHERE id = @id AND state = 'dead'
            """, new { id, now = now.UtcDateTime });
        var row = await connection.QuerySingleOrDefaultAsync<DeliveryRow>(
            $"SELECT {DeliveryRow.Columns} FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.id = @id", new { id });
        return row is null ? (ReplayOutcome.NotFound, null) : (replayed == 1 ? ReplayOutcome.Replayed : ReplayOutcome.NotDead, row);
    }
}
