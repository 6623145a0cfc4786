using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Mesh.Chaos.Invariants;

/// <summary>Messages: no outbox row left unsent, no inbox message processed twice, dead-letter queues empty (or listed with why).</summary>
public static class MessagingInvariants
{
    public static async Task<InvariantResult> OutboxesDrainedAsync(MeshDatabases db, CancellationToken ct)
    {
        var unsent = new List<string>();
        long total = 0;
        foreach (var name in await db.MessagingAsync(ct))
        {
            total += await db.ScalarAsync<long>(name, "SELECT count(*) FROM mesh_outbox", ct);
            var left = await db.ScalarAsync<long>(name, "SELECT count(*) FROM mesh_outbox WHERE sent_at IS NULL", ct);
            if (left > 0) unsent.Add($"{name}: {left}");
        }
        return new("no outbox row left unsent", unsent.Count == 0, $"{total} outbox rows; unsent: {(unsent.Count == 0 ? "none" : string.Join(", ", unsent))}");
    }

    /// <summary>The inbox's key makes a second processing impossible; this reads it back, and counts what was processed.</summary>
    public static async Task<InvariantResult> InboxOnceAsync(MeshDatabases db, CancellationToken ct)
    {
        long processed = 0, twice = 0;
        foreach (var name in await db.MessagingAsync(ct))
        {
            processed += await db.ScalarAsync<long>(name, "SELECT count(*) FROM mesh_inbox", ct);
            twice += await db.ScalarAsync<long>(name,
                "SELECT count(*) FROM (SELECT consumer, message_id FROM mesh_inbox GROUP BY consumer, message_id HAVING count(*) > 1) t", ct);
        }
        return new("no inbox message processed twice", twice == 0, $"{processed} messages processed; {twice} twice");
    }

    /// <summary>Each consumer's dead-letter queue ("{queue}.dlq"; the consumers are the inbox's): empty, or the messages and their last errors listed.</summary>
    public static async Task<InvariantResult> DeadLettersAsync(MeshDatabases db, CancellationToken ct)
    {
        var consumers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in await db.MessagingAsync(ct))
            foreach (var consumer in await db.QueryAsync<string>(name, "SELECT DISTINCT consumer FROM mesh_inbox", ct)) consumers.Add(consumer);
        var factory = new ConnectionFactory { Uri = new Uri(db.Broker) };
        await using var connection = await factory.CreateConnectionAsync(ct);
        var dead = new List<string>();
        foreach (var consumer in consumers)
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            try
            {
                var queue = await channel.QueueDeclarePassiveAsync(consumer + ".dlq", ct);
                if (queue.MessageCount == 0) continue;
                var first = await channel.BasicGetAsync(consumer + ".dlq", autoAck: false, ct);
                var error = first?.BasicProperties.Headers?.TryGetValue("x-mesh-error", out var e) == true && e is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "no error header";
                dead.Add($"{consumer}.dlq: {queue.MessageCount} (first: {first?.RoutingKey}: {error})");
            }
            catch (OperationInterruptedException)
            {
                // No such queue: that consumer never dead-lettered anything.
            }
        }
        return new("dead-letter queues empty", dead.Count == 0, $"{consumers.Count} consumers; " + (dead.Count == 0 ? "every dead-letter queue empty" : string.Join("; ", dead)));
    }
}
