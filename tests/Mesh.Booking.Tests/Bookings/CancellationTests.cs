using System.Text.Json;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Mesh.Payment.V1;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;
using RabbitMQ.Client;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>The cancellation policy (data in cancellation_rules) at its boundaries, and refunds executed exactly once.</summary>
public sealed class CancellationTests(CheckoutFixture fixture) : IClassFixture<CheckoutFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<CancellationQuote> QuoteAsync(Customer c, string id) =>
        fixture.Client.QuoteCancellationAsync(new QuoteCancellationRequest { Id = id }, c.Bearer, cancellationToken: Ct).ResponseAsync;

    [Fact]
    public async Task The_quote_follows_the_policy_rows_at_their_boundaries()
    {
        var (show, seats) = fixture.AddShow(startsIn: TimeSpan.FromDays(3));
        var alice = await fixture.NewCustomerAsync();
        var booking = await fixture.BookAsync(alice, show, seats[0]);
        Assert.Equal(BookingStatus.Confirmed, booking.Status);
        var start = booking.StartsAt.ToDateTime();
        var paid = booking.AmountMinor;   // 1200

        fixture.MoveClockTo(start - TimeSpan.FromHours(24));
        var full = await QuoteAsync(alice, booking.Id);
        Assert.Equal((true, paid, 0L, "EUR"), (full.Cancellable, full.RefundMinor, full.FeeMinor, full.Currency));
        Assert.Equal(start - TimeSpan.FromHours(24), full.ValidUntil.ToDateTime());

        fixture.MoveClockTo(start - TimeSpan.FromHours(24) + TimeSpan.FromTicks(10));
        var half = await QuoteAsync(alice, booking.Id);
        Assert.Equal((true, paid / 2 - 100, 100L), (half.Cancellable, half.RefundMinor, half.FeeMinor));
        Assert.Equal(start - TimeSpan.FromHours(2), half.ValidUntil.ToDateTime());

        fixture.MoveClockTo(start - TimeSpan.FromHours(2));
        Assert.Equal(paid / 2 - 100, (await QuoteAsync(alice, booking.Id)).RefundMinor);

        fixture.MoveClockTo(start - TimeSpan.FromHours(2) + TimeSpan.FromTicks(10));
        var none = await QuoteAsync(alice, booking.Id);
        Assert.Equal((true, 0L), (none.Cancellable, none.RefundMinor));
        Assert.Equal(start, none.ValidUntil.ToDateTime());

        fixture.MoveClockTo(start);
        Assert.False((await QuoteAsync(alice, booking.Id)).Cancellable);
        var late = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CancelBookingAsync(new CancelBookingRequest { Id = booking.Id }, alice.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);
        Assert.Equal("BOOKING_NOT_CANCELLABLE", Errors.Reason(late));
    }

    [Fact]
    public async Task Cancelling_refunds_the_quoted_amount_once_even_when_the_refund_task_is_delivered_twice()
    {
        var (show, seats) = fixture.AddShow(startsIn: TimeSpan.FromHours(10)); // inside the 50% rule
        var alice = await fixture.NewCustomerAsync();
        var booking = await fixture.BookAsync(alice, show, seats[1], seats[9]);
        Assert.Equal(BookingStatus.Confirmed, booking.Status);
        var quote = await QuoteAsync(alice, booking.Id);
        Assert.Equal(booking.AmountMinor / 2 - 100, quote.RefundMinor);

        var cancelled = await fixture.Client.CancelBookingAsync(new CancelBookingRequest { Id = booking.Id, Reason = "plans changed" }, alice.Bearer, cancellationToken: Ct);
        Assert.Equal((BookingStatus.Cancelled, quote.RefundMinor), (cancelled.Status, cancelled.RefundMinor));
        Assert.NotNull(cancelled.CancelTime);

        // The seats are free at once.
        var bob = await fixture.NewCustomerAsync();
        Assert.Equal(HoldStatus.Active, (await fixture.HoldAsync(bob, show, seats[1], seats[9])).Status);

        // Cancelling again answers the cancelled booking and asks for no second refund.
        var again = await fixture.Client.CancelBookingAsync(new CancelBookingRequest { Id = booking.Id }, alice.Bearer, cancellationToken: Ct);
        Assert.Equal(cancelled, again);
        Assert.Equal(1L, await fixture.BookingScalarAsync<long>(
            "SELECT count(*) FROM mesh_outbox WHERE type = 'payment.refund_requested' AND convert_from(body, 'UTF8')::jsonb->>'PaymentId' = @p", new { p = booking.PaymentId }));

        // The refund reaches payment through the outbox and its inbox.
        await Eventually.UntilAsync(() => PaymentAsync(alice, booking.PaymentId), p => p.AmountRefunded > 0, "the refund");

        // The same task again (same message id), then a sentinel refund behind it on the same queue.
        var (taskId, body) = await RefundTaskAsync(booking.PaymentId);
        await PublishAsync(taskId, body);
        var sentinel = await fixture.BookAsync(alice, show, seats[2]);
        await fixture.Client.CancelBookingAsync(new CancelBookingRequest { Id = sentinel.Id }, alice.Bearer, cancellationToken: Ct);
        await Eventually.UntilAsync(() => PaymentAsync(alice, sentinel.PaymentId), p => p.AmountRefunded > 0, "the sentinel's refund");

        var payment = await PaymentAsync(alice, booking.PaymentId);
        Assert.Equal(quote.RefundMinor, payment.AmountRefunded);
        Assert.Equal(1L, await fixture.PaymentScalarAsync<long>("SELECT count(*) FROM refunds WHERE payment_id = @p", new { p = Guid.Parse(booking.PaymentId) }));
        Assert.Equal(booking.AmountMinor - quote.RefundMinor, await fixture.Provider.NetOfAsync(booking.PaymentId));
    }

    [Fact]
    public async Task Nobody_cancels_or_quotes_another_users_booking()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var bob = await fixture.NewCustomerAsync();
        var booking = await fixture.BookAsync(alice, show, seats[3]);

        var cancel = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CancelBookingAsync(new CancelBookingRequest { Id = booking.Id }, bob.Bearer, cancellationToken: Ct));
        var quote = await Assert.ThrowsAsync<RpcException>(() => QuoteAsync(bob, booking.Id));
        var read = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.GetBookingAsync(new GetBookingRequest { Id = booking.Id }, bob.Bearer, cancellationToken: Ct));

        Assert.All(new[] { cancel, quote, read }, e => Assert.Equal(StatusCode.NotFound, e.StatusCode));
        Assert.Equal(BookingStatus.Confirmed, (await fixture.Client.GetBookingAsync(new GetBookingRequest { Id = booking.Id }, alice.Bearer, cancellationToken: Ct)).Status);
    }

    private async Task<Mesh.Payment.V1.Payment> PaymentAsync(Customer c, string id) =>
        await fixture.Payment.GetPaymentAsync(new GetPaymentRequest { Id = id }, c.Bearer, cancellationToken: Ct);

    private async Task<(Guid Id, byte[] Body)> RefundTaskAsync(string paymentId)
    {
        await using var connection = new NpgsqlConnection(fixture.BookingDb);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT id, body FROM mesh_outbox WHERE type = 'payment.refund_requested' AND convert_from(body, 'UTF8')::jsonb->>'PaymentId' = $1", connection);
        command.Parameters.Add(new() { Value = paymentId });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        var task = (reader.GetGuid(0), (byte[])reader[1]);
        Assert.Equal(paymentId, JsonDocument.Parse(task.Item2).RootElement.GetProperty("PaymentId").GetString());
        return task;
    }

    private async Task PublishAsync(Guid id, byte[] body)
    {
        var factory = new ConnectionFactory { Uri = new Uri(fixture.Messaging) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), Ct);
        await channel.BasicPublishAsync(MessagingNames.DefaultExchange, "payment.refund_requested", false,
            new BasicProperties { MessageId = id.ToString(), Type = "payment.refund_requested", ContentType = "application/json" }, body, Ct);
    }
}
