using Dapper;
using Mesh.ServiceDefaults.Messaging;
using Mesh.Support.Chat;
using Mesh.Support.Notifications;
using Mesh.Support.Tickets;

namespace Mesh.Support.Sla;

/// <summary>
/// Finds the deadlines that have passed unmet and raises each breach exactly once, however many replicas look at the
/// same time: the breach is a row keyed by (ticket, kind), inserted with ON CONFLICT DO NOTHING, and its
/// <c>support.sla_breached</c> event goes to the outbox in the same transaction only for the rows this round inserted.
/// A second replica racing for the same breach waits on the key until the first commits, then inserts nothing.
/// </summary>
public sealed class SlaBreaches(TicketStore store, TimeProvider time)
{
    private const int Batch = 500;

    public sealed record Breach(Guid TicketId, string Kind, DateTime Deadline, Guid? AssigneeId);

    /// <summary>Raises the breaches due now; returns those this call raised.</summary>
    public async Task<IReadOnlyList<Breach>> RaiseDueAsync(CancellationToken cancellationToken)
    {
        var now = Conversation.Microseconds(time.GetUtcNow().UtcDateTime);
        var raised = new List<Breach>();
        while (true)
        {
            await using var unit = await store.BeginAsync(cancellationToken);
            var connection = unit.Transaction.Connection!;
            var batch = (await connection.QueryAsync<Breach>("""
                WITH due AS (
                    SELECT t.id, 'first_response' AS kind, t.first_response_deadline AS deadline, t.assignee_id
                    FROM tickets t
                    WHERE t.first_response_time IS NULL AND t.status NOT IN ('resolved', 'closed') AND t.first_response_deadline <= @now
                      AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.ticket_id = t.id AND b.kind = 'first_response')
                    UNION ALL
                    SELECT t.id, 'resolution', t.resolution_deadline, t.assignee_id
                    FROM tickets t
                    WHERE t.status NOT IN ('resolved', 'closed') AND t.resolution_deadline <= @now
                      AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.ticket_id = t.id AND b.kind = 'resolution')
                    ORDER BY 3 LIMIT @Batch
                ), inserted AS (
                    INSERT INTO sla_breaches (ticket_id, kind, deadline, raised_time)
                    SELECT id, kind, deadline, @now FROM due
                    ON CONFLICT (ticket_id, kind) DO NOTHING
                    RETURNING ticket_id, kind, deadline
                )
                SELECT i.ticket_id AS TicketId, i.kind AS Kind, i.deadline AS Deadline, d.assignee_id AS AssigneeId
                FROM inserted i JOIN due d ON d.id = i.ticket_id AND d.kind = i.kind
                """, new { now, Batch }, unit.Transaction)).AsList();
            foreach (var breach in batch) await unit.AddAsync(SupportEvents.Breached(breach.TicketId, breach.Kind, breach.Deadline, breach.AssigneeId));
            await unit.CommitAsync(cancellationToken);
            raised.AddRange(batch);
            if (batch.Count < Batch) return raised;
        }
    }

    /// <summary>The earliest deadline still ahead that is not yet met (the watch sleeps until then), or null.</summary>
    public async Task<DateTime?> NextDeadlineAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<DateTime?>("""
            SELECT least(
                (SELECT min(first_response_deadline) FROM tickets WHERE first_response_time IS NULL AND status NOT IN ('resolved', 'closed') AND first_response_deadline > @now),
                (SELECT min(resolution_deadline) FROM tickets WHERE status NOT IN ('resolved', 'closed') AND resolution_deadline > @now))
            """, new { now });
    }
}
