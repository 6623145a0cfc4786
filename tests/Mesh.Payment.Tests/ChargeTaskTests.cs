using System.Text.Json;
using Mesh.Payment.Charges;
using Mesh.Payment.Provider;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;
using Mesh.Payment.Workers;
using Mesh.ServiceDefaults.Messaging;
using RabbitMQ.Client;

namespace Mesh.Payment.Tests;

/// <summary>
/// Booking's contract: a <c>payment.charge_requested</c> task runs exactly once as its user through CreatePayment's
/// idempotency path; its outcome is announced as payment.succeeded / payment.failed carrying the idempotency key, and
/// re-announced when the key's stored outcome is replayed.
/// </summary>
public sealed class ChargeTaskTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task PublishAsync(Guid messageId, ChargeTasks.ChargeRequested task)
    {
        await fixture.DeclareQueueAsync(ChargeTasks.Queue, ChargeTasks.TaskType);
        var factory = new ConnectionFactory { Uri = new Uri(await fixture.Data.RabbitMqConnectionStringAsync()) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), Ct);
        await channel.BasicPublishAsync(MessagingNames.DefaultExchange, ChargeTasks.TaskType, false, new BasicProperties { MessageId = messageId.ToString() },
            JsonSerializer.SerializeToUtf8Bytes(task), Ct);
    }

    private Task<long> HandledAsync(Guid messageId) =>
        LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM mesh_inbox WHERE consumer = @q AND message_id = @messageId", new { q = ChargeTasks.Queue, messageId });

    private Task<long> EventsAsync(string type, string key) => LedgerQueries.CountAsync(fixture.Database,
        "SELECT count(*) FROM mesh_outbox WHERE type = @type AND convert_from(body, 'UTF8')::jsonb->>'IdempotencyKey' = @key", new { type, key });

    [Fact]
    public async Task A_task_delivered_twice_charges_once_and_announces_the_outcome_with_its_key()
    {
        var caller = fixture.NewCaller();
        var card = Guid.Parse(await fixture.AddCardAsync(caller));
        var key = $"booking-{Guid.NewGuid()}";
        var task = new ChargeTasks.ChargeRequested(caller.Id, card, 3_300, "EUR", "2 seats", key, Capture: true);
        var messageId = Guid.NewGuid();
        await PublishAsync(messageId, task);
        await PublishAsync(messageId, task); // the same message again (a relay re-publish)
        await PaymentFixture.WaitUntilAsync(async () => await HandledAsync(messageId) == 1);

        var payment = await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM payments WHERE idempotency_key = @key AND status = 'succeeded' AND amount = 3300", new { key });
        Assert.Equal(1, payment);
        Assert.Equal(1, await EventsAsync(PaymentEvents.SucceededType, key));
        var body = JsonDocument.Parse(await OutboxBodyAsync(PaymentEvents.SucceededType, key)).RootElement;
        Assert.Equal(caller.Id.ToString(), body.GetProperty("UserId").GetString());
        Assert.Equal(3_300, body.GetProperty("Amount").GetInt64());

        // A declining card: a refusal is an answer (handled once, not retried), announced as payment.failed with the key.
        var declining = Guid.Parse(await fixture.AddCardAsync(caller, TestCards.Declined));
        var declinedKey = $"booking-{Guid.NewGuid()}";
        var declinedMessage = Guid.NewGuid();
        await PublishAsync(declinedMessage, task with { PaymentMethodId = declining, IdempotencyKey = declinedKey });
        await PaymentFixture.WaitUntilAsync(async () => await HandledAsync(declinedMessage) == 1);
        Assert.Equal(1, await EventsAsync(PaymentEvents.FailedType, declinedKey));
        Assert.Equal("card_declined", JsonDocument.Parse(await OutboxBodyAsync(PaymentEvents.FailedType, declinedKey)).RootElement.GetProperty("FailureCode").GetString());

        // Another user's card: no payment is made; the caller still learns it failed.
        var strangerKey = $"booking-{Guid.NewGuid()}";
        var strangerMessage = Guid.NewGuid();
        await PublishAsync(strangerMessage, task with { UserId = Guid.NewGuid(), IdempotencyKey = strangerKey });
        await PaymentFixture.WaitUntilAsync(async () => await HandledAsync(strangerMessage) == 1);
        var refused = JsonDocument.Parse(await OutboxBodyAsync(PaymentEvents.FailedType, strangerKey)).RootElement;
        Assert.Equal((Guid.Empty.ToString(), "payment_method_not_found"), (refused.GetProperty("PaymentId").GetString(), refused.GetProperty("FailureCode").GetString()));
    }

    [Fact]
    public async Task The_same_key_through_the_rpc_first_then_the_task_charges_once_and_re_announces()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var key = $"booking-{Guid.NewGuid()}";
        var paid = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = card, Amount = 5_100, Currency = "EUR", Capture = true, Description = "show" },
            caller.WithKey(key), cancellationToken: Ct);
        var authorizations = fixture.Provider.Authorizations;
        Assert.Equal(1, await EventsAsync(PaymentEvents.SucceededType, key));

        var messageId = Guid.NewGuid();
        await PublishAsync(messageId, new ChargeTasks.ChargeRequested(caller.Id, Guid.Parse(card), 5_100, "EUR", "show", key, Capture: true));
        await PaymentFixture.WaitUntilAsync(async () => await HandledAsync(messageId) == 1);

        Assert.Equal(authorizations, fixture.Provider.Authorizations);
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM payments WHERE payment_method_id = @m", new { m = Guid.Parse(card) }));
        Assert.Equal(2, await EventsAsync(PaymentEvents.SucceededType, key)); // the stored outcome, announced again
        Assert.Equal(paid.Id, JsonDocument.Parse(await OutboxBodyAsync(PaymentEvents.SucceededType, key, newest: true)).RootElement.GetProperty("PaymentId").GetString());

        // The same key with different figures is the caller's mistake: refused, nothing charged, announced as failed.
        var changedMessage = Guid.NewGuid();
        await PublishAsync(changedMessage, new ChargeTasks.ChargeRequested(caller.Id, Guid.Parse(card), 9_999, "EUR", "show", key, Capture: true));
        await PaymentFixture.WaitUntilAsync(async () => await HandledAsync(changedMessage) == 1);
        Assert.Equal(authorizations, fixture.Provider.Authorizations);
        Assert.Equal("idempotency_key_reused", JsonDocument.Parse(await OutboxBodyAsync(PaymentEvents.FailedType, key)).RootElement.GetProperty("FailureCode").GetString());
    }

    private async Task<string> OutboxBodyAsync(string type, string key, bool newest = false)
    {
        await using var connection = await fixture.Database.OpenConnectionAsync(Ct);
        return await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection,
            "SELECT convert_from(body, 'UTF8') FROM mesh_outbox WHERE type = @type AND convert_from(body, 'UTF8')::jsonb->>'IdempotencyKey' = @key ORDER BY seq " + (newest ? "DESC" : "ASC") + " LIMIT 1",
            new { type, key }) ?? throw new InvalidOperationException($"no {type} for {key}");
    }
}
