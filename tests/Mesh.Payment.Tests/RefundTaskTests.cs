using System.Text.Json;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;
using Mesh.Payment.Workers;
using Mesh.ServiceDefaults.Messaging;
using RabbitMQ.Client;

namespace Mesh.Payment.Tests;

/// <summary>Refunds requested by other services as RabbitMQ tasks run exactly once, even when a task is delivered twice.</summary>
public sealed class RefundTaskTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_refund_task_delivered_twice_refunds_once()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var first = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = card, Amount = 2_000, Currency = "EUR", Capture = true }, caller.Bearer, cancellationToken: Ct);
        var second = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = card, Amount = 900, Currency = "EUR", Capture = true }, caller.Bearer, cancellationToken: Ct);

        var factory = new ConnectionFactory { Uri = new Uri(await fixture.Data.RabbitMqConnectionStringAsync()) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), Ct);
        // Declared as the consumer declares them, so nothing published before it started is lost.
        await channel.ExchangeDeclareAsync(MessagingNames.DefaultExchange, ExchangeType.Topic, durable: true, cancellationToken: Ct);
        await channel.QueueDeclareAsync(RefundTasks.Queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
        await channel.QueueBindAsync(RefundTasks.Queue, MessagingNames.DefaultExchange, RefundTasks.TaskType, cancellationToken: Ct);

        var task = Guid.NewGuid();
        async Task PublishAsync(Guid id, Guid payment, long amount) =>
            await channel.BasicPublishAsync(MessagingNames.DefaultExchange, RefundTasks.TaskType, false, new BasicProperties { MessageId = id.ToString() },
                JsonSerializer.SerializeToUtf8Bytes(new RefundTasks.RefundRequested(payment, caller.Id, amount, "booking cancelled")), Ct);
        await PublishAsync(task, Guid.Parse(first.Id), 1_500);
        await PublishAsync(task, Guid.Parse(first.Id), 1_500); // the same task again
        await PublishAsync(Guid.NewGuid(), Guid.Parse(second.Id), 0); // a sentinel after them

        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        while (await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM refunds WHERE payment_id = @p", new { p = Guid.Parse(second.Id) }) == 0)
            await Task.Delay(50, guard.Token);

        var refunded = await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = first.Id }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(1_500, refunded.AmountRefunded);
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM refunds WHERE payment_id = @p AND id = @task", new { p = Guid.Parse(first.Id), task }));
        Assert.Equal(500, await fixture.Provider.NetOfAsync(first.Id));
        Assert.Equal(0, await fixture.Provider.NetOfAsync(second.Id));
    }
}
