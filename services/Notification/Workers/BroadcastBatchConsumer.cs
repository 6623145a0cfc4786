using Mesh.Notification.Broadcasts;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Notification.Workers;

/// <summary>
/// The broadcast work queue (<see cref="BroadcastBatch.Queue"/>): one batch of a city broadcast per message, on its
/// own connection and channel with a prefetch of 1, so batches never crowd the single-user event queue's consumer;
/// replicas share the batches. Each batch is one transaction with its mesh_inbox row.
/// </summary>
public sealed class BroadcastBatchConsumer(NpgsqlDataSource db, TimeProvider clock, IConfiguration configuration, ILogger<BroadcastBatchConsumer> logger)
    : InboxConsumerService(db, configuration, logger)
{
    protected override InboxConsumerOptions Options => new() { Queue = BroadcastBatch.Queue, Bindings = [BroadcastBatch.Type], Prefetch = 1 };

    protected override Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        BroadcastStore.SendBatchAsync(transaction, message.Json<BroadcastBatch>(), clock.GetUtcNow());
}
