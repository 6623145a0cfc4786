using Mesh.ServiceDefaults.Messaging;
using Mesh.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// A task relayed before its consumer has ever started (a refund requested while payment was never up on a fresh
/// broker) is not dropped as unroutable: the sender's relay declares the task queue, and the task waits in it.
/// </summary>
public sealed class OutboxRelayQueueTests(IsolatedData data) : IClassFixture<IsolatedData>
{
    private const string TaskType = "test.task_requested";
    private const string TaskQueue = "test.task-queue";

    [Fact]
    public async Task A_task_sent_before_its_consumer_ever_started_waits_in_the_declared_queue()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = NpgsqlDataSource.Create(await data.PostgresConnectionStringAsync());
        await Outbox.MigrateAsync(db, ct);
        var messaging = await data.RabbitMqConnectionStringAsync();

        var task = OutboxMessage.Json(TaskType, new { Amount = 1200 });
        await WriteAsync(db, task);

        // No consumer exists yet, on a vhost nobody has used: only the relay's declaration gives the task a queue.
        await using (var relay = new OutboxRelay(db, new OutboxRelayOptions { ConnectionString = messaging, Queues = { [TaskQueue] = [TaskType] } },
                         NullLogger<OutboxRelay>.Instance))
            Assert.Equal(1, await relay.PublishPendingAsync(ct));

        var received = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var consumer = new InboxConsumer(db, new InboxConsumerOptions { ConnectionString = messaging, Queue = TaskQueue, Bindings = [TaskType] },
            NullLogger.Instance);
        await consumer.StartAsync((message, _, _) =>
        {
            received.TrySetResult(message.Id);
            return Task.CompletedTask;
        }, ct);

        Assert.Equal(task.Id, await received.Task.WaitAsync(TimeSpan.FromSeconds(60), ct));   // hang guard
    }

    [Fact]
    public async Task A_task_queue_declared_otherwise_by_its_consumer_does_not_stop_the_relay()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = NpgsqlDataSource.Create(await data.PostgresConnectionStringAsync());
        await Outbox.MigrateAsync(db, ct);
        var messaging = await data.RabbitMqConnectionStringAsync();

        // The consumer's side owns the queue and gave it an argument the relay's plain declaration lacks.
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(messaging) };
        await using (var connection = await factory.CreateConnectionAsync(ct))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: ct))
            await channel.QueueDeclareAsync("test.other-queue", durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { ["x-max-length"] = 1000 }, cancellationToken: ct);

        await WriteAsync(db, OutboxMessage.Json("test.event_happened", new { N = 1 }));
        await using var relay = new OutboxRelay(db, new OutboxRelayOptions { ConnectionString = messaging, Queues = { ["test.other-queue"] = ["test.other"] } },
            NullLogger<OutboxRelay>.Instance);
        Assert.Equal(1, await relay.PublishPendingAsync(ct));
    }

    /// <summary>A state change's outbox row, committed (the change itself does not matter here).</summary>
    private static async Task WriteAsync(NpgsqlDataSource db, OutboxMessage message)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Outbox.AddAsync(tx, message, ct);
        await tx.CommitAsync(ct);
    }
}
