using System.Text.Json;
using Dapper;
using Mesh.Booking.Bookings;
using Mesh.Booking.V1;
using Mesh.ServiceDefaults.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RabbitMQ.Client;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>
/// Booking's outbox row belongs to its business transaction: confirming a booking (CheckoutSaga.SettleAsync inside the
/// caller's transaction, as the payment-event consumer runs it: claims, state, tickets, BookingConfirmed) and then
/// failing before the commit leaves neither the confirmation nor its event — nothing in mesh_outbox, nothing at the
/// broker. Would fail if the event were written on a connection of its own.
/// </summary>
public sealed class OutboxTransactionTests(CheckoutFixture fixture) : IClassFixture<CheckoutFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_confirmation_that_fails_after_writing_its_event_commits_neither_and_publishes_nothing()
    {
        // A queue bound to booking.confirmed before anything happens: every published confirmation reaches it.
        var queue = $"test.confirmed-{Guid.NewGuid():N}";
        var factory = new ConnectionFactory { Uri = new Uri(fixture.Messaging) };
        await using var broker = await factory.CreateConnectionAsync(Ct);
        await using var channel = await broker.CreateChannelAsync(cancellationToken: Ct);
        await channel.ExchangeDeclareAsync(MessagingNames.DefaultExchange, ExchangeType.Topic, durable: true, cancellationToken: Ct);
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true, cancellationToken: Ct);
        await channel.QueueBindAsync(queue, MessagingNames.DefaultExchange, BookingMessages.ConfirmedType, cancellationToken: Ct);

        // A PENDING booking: checked out while payment was down (nothing settles it until the test clock moves).
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var hold = await fixture.HoldAsync(alice, show, seats[0]);
        BookingRecord pending;
        await fixture.StopPaymentAsync();
        try
        {
            pending = await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId }, alice.WithKey("k"), cancellationToken: Ct);
        }
        finally
        {
            await fixture.StartPaymentAsync();
        }
        Assert.Equal(BookingStatus.Pending, pending.Status);
        var id = Guid.Parse(pending.Id);
        var paid = new ChargeOutcome.Paid(Guid.NewGuid(), pending.AmountMinor, pending.Currency);

        // The business transaction: booking's own confirmation code writes state, tickets and the event; then it fails.
        var saga = fixture.BookingServices.GetRequiredService<CheckoutSaga>();
        var store = fixture.BookingServices.GetRequiredService<BookingsStore>();
        var (connection, tx) = await store.BeginAsync(Ct);
        await using (connection)
        await using (tx)
        {
            var confirmed = await saga.SettleAsync(tx, id, paid);
            Assert.Equal(BookingStates.Confirmed, confirmed!.Status);
            // Written, as this transaction sees it: the confirmation, its ticket and its event.
            Assert.Equal("CONFIRMED", await connection.ExecuteScalarAsync<string>("SELECT status FROM bookings WHERE id = @id", new { id }, tx));
            Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM tickets WHERE booking_id = @id", new { id }, tx));
            Assert.Equal(1L, await connection.ExecuteScalarAsync<long>(ConfirmationsSql, new { id = pending.Id }, tx));

            // The failure after the outbox write: a statement of the same transaction fails, which aborts it.
            await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("SELECT 1 / 0", transaction: tx));
            await tx.RollbackAsync(Ct);
        }

        // Neither the change nor its event happened.
        Assert.Equal("PENDING", await fixture.BookingScalarAsync<string>("SELECT status FROM bookings WHERE id = @id", new { id }));
        Assert.Equal(0L, await fixture.BookingScalarAsync<long>("SELECT count(*) FROM tickets WHERE booking_id = @id", new { id }));
        Assert.Equal(0L, await fixture.BookingScalarAsync<long>(ConfirmationsSql, new { id = pending.Id }));

        // The same confirmation again, committed this time: its one event is published (the relay runs in booking).
        var settled = await saga.SettleAsync(id, paid, Ct);
        Assert.Equal(BookingStates.Confirmed, settled!.Status);
        Assert.Equal(1L, await fixture.BookingScalarAsync<long>(ConfirmationsSql, new { id = pending.Id }));
        await Eventually.UntilAsync(() => fixture.BookingScalarAsync<long>(ConfirmationsSql + " AND sent_at IS NULL", new { id = pending.Id }),
            unsent => unsent == 0, "the confirmation to be published");

        // The relay marks a row sent once the broker confirmed it, so the queue now holds every confirmation of this
        // booking that was ever published: the committed one only.
        var published = new List<Guid>();
        while (await channel.BasicGetAsync(queue, autoAck: true, Ct) is { } message)
        {
            var confirmation = JsonSerializer.Deserialize<BookingMessages.BookingConfirmed>(message.Body.Span)!;
            if (confirmation.BookingId == id) published.Add(Guid.Parse(message.BasicProperties.MessageId!));
        }
        var row = await fixture.BookingScalarAsync<Guid>("SELECT id FROM mesh_outbox WHERE type = 'booking.confirmed' AND convert_from(body, 'UTF8')::jsonb->>'BookingId' = @id", new { id = pending.Id });
        Assert.Equal([row], published);
    }

    private const string ConfirmationsSql =
        "SELECT count(*) FROM mesh_outbox WHERE type = 'booking.confirmed' AND convert_from(body, 'UTF8')::jsonb->>'BookingId' = @id";
}
