using System.Collections.Concurrent;
using Mesh.Payment.Charges;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;
using Mesh.ServiceDefaults.Messaging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Mesh.Payment.Tests;

/// <summary>
/// The shared outbox (ServiceDefaults/Messaging) with the payment events: written with the state change, published
/// once the broker is reachable, handled once per message id however often it is delivered, dead-lettered when a
/// handler keeps failing.
/// </summary>
public sealed class OutboxTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private async Task<OutboxRelay> RelayAsync(string? connectionString = null) =>
        new(fixture.Database, new OutboxRelayOptions { ConnectionString = connectionString ?? await fixture.Data.RabbitMqConnectionStringAsync() },
            NullLogger<OutboxRelay>.Instance);

    private async Task<InboxConsumer> ConsumerAsync(string queue, InboxConsumer.Handler handler, int maxAttempts = 5, params string[] bindings)
    {
        var consumer = new InboxConsumer(fixture.Database, new InboxConsumerOptions
        {
            ConnectionString = await fixture.Data.RabbitMqConnectionStringAsync(), Queue = queue, Bindings = bindings,
            MaxAttempts = maxAttempts, InitialBackoff = TimeSpan.FromMilliseconds(50),
        }, NullLogger.Instance);
        await consumer.StartAsync(handler, Ct);
        return consumer;
    }

    [Fact]
    public async Task An_event_written_while_the_broker_was_down_is_delivered_later()
    {
        var received = new ConcurrentDictionary<Guid, PaymentEvents.PaymentSucceeded>();
        var arrived = new TaskCompletionSource();
        await using var consumer = await ConsumerAsync($"q-{Guid.NewGuid():N}", (message, _, _) =>
        {
            var evt = message.Json<PaymentEvents.PaymentSucceeded>();
            received[evt.PaymentId] = evt;
            arrived.TrySetResult();
            return Task.CompletedTask;
        }, bindings: PaymentEvents.SucceededType);

        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var paid = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = card, Amount = 1_234, Currency = "EUR", Capture = true }, caller.Bearer, cancellationToken: Ct);

        // The broker is unreachable (nothing listens on port 1): publishing fails, the row stays unsent.
        await using (var down = await RelayAsync("amqp://guest:guest@127.0.0.1:1/"))
            await Assert.ThrowsAnyAsync<Exception>(async () => await down.PublishPendingAsync(Ct));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE sent_at IS NULL AND convert_from(body, 'UTF8')::jsonb->>'PaymentId' = @p", new { p = paid.Id }));

        await using var relay = await RelayAsync();
        Assert.True(await relay.PublishPendingAsync(Ct) >= 1);
        await arrived.Task.WaitAsync(HangGuard, Ct);

        var evt = received[Guid.Parse(paid.Id)];
        Assert.Equal((caller.Id, 1_234L, "EUR"), (evt.UserId, evt.Amount, evt.Currency));
        Assert.Equal(0, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM mesh_outbox WHERE sent_at IS NULL"));
    }

    [Fact]
    public async Task A_duplicate_delivery_is_handled_once()
    {
        var handled = new ConcurrentDictionary<Guid, int>();
        var sentinelSeen = new TaskCompletionSource();
        var sentinel = Guid.NewGuid();
        var routingKey = $"test.{Guid.NewGuid():N}";
        await using var consumer = await ConsumerAsync($"q-{Guid.NewGuid():N}", (message, _, _) =>
        {
            handled.AddOrUpdate(message.Id, 1, (_, n) => n + 1);
            if (message.Id == sentinel) sentinelSeen.TrySetResult();
            return Task.CompletedTask;
        }, bindings: routingKey);

        var duplicate = Guid.NewGuid();
        await PublishAsync(routingKey, duplicate);
        await PublishAsync(routingKey, duplicate);
        await PublishAsync(routingKey, sentinel); // one consumer, handled in order: once it is seen, both copies were too
        await sentinelSeen.Task.WaitAsync(HangGuard, Ct);

        Assert.Equal(1, handled[duplicate]);
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM mesh_inbox WHERE message_id = @duplicate", new { duplicate }));
    }

    [Fact]
    public async Task A_message_whose_handler_keeps_failing_is_retried_then_dead_lettered()
    {
        var attempts = 0;
        var queue = $"q-{Guid.NewGuid():N}";
        var routingKey = $"test.{Guid.NewGuid():N}";
        await using var consumer = await ConsumerAsync(queue, (_, _, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("handler is broken");
        }, maxAttempts: 3, routingKey);

        var id = Guid.NewGuid();
        await PublishAsync(routingKey, id);

        var factory = new ConnectionFactory { Uri = new Uri(await fixture.Data.RabbitMqConnectionStringAsync()) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
        BasicGetResult? dead = null;
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(HangGuard);
        while (dead is null)
        {
            dead = await channel.BasicGetAsync(consumer.DeadLetterQueue, autoAck: true, guard.Token);
            if (dead is null) await Task.Delay(50, guard.Token);
        }
        Assert.Equal(id.ToString(), dead.BasicProperties.MessageId);
        Assert.Equal(3, Volatile.Read(ref attempts));
        Assert.Equal(0, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM mesh_inbox WHERE message_id = @id", new { id }));
    }

    private async Task PublishAsync(string routingKey, Guid id)
    {
        var factory = new ConnectionFactory { Uri = new Uri(await fixture.Data.RabbitMqConnectionStringAsync()) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), Ct);
        await channel.ExchangeDeclareAsync(MessagingNames.DefaultExchange, ExchangeType.Topic, durable: true, cancellationToken: Ct);
        await channel.BasicPublishAsync(MessagingNames.DefaultExchange, routingKey, false, new BasicProperties { MessageId = id.ToString() }, "{}"u8.ToArray(), Ct);
    }
}
