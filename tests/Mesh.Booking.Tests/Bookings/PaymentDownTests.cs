using Mesh.Booking.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>
/// Payment unreachable during checkout: the booking answers PENDING and keeps its seats; recovery (a charge task
/// through RabbitMQ, payment's events back) ends it CONFIRMED once payment returns — or, past the deadline, FAILED with
/// any later charge refunded. Never a charge without a confirmed booking, never two charges.
/// </summary>
public sealed class PaymentDownTests(CheckoutFixture fixture) : IClassFixture<CheckoutFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<BookingRecord> ReadAsync(Customer c, string id) =>
        fixture.Client.GetBookingAsync(new GetBookingRequest { Id = id }, c.Bearer, cancellationToken: Ct).ResponseAsync;

    private async Task<BookingRecord> CheckoutWhilePaymentIsDownAsync(Customer alice, string show, string seat)
    {
        var hold = await fixture.HoldAsync(alice, show, seat);
        await fixture.StopPaymentAsync();
        try
        {
            var pending = await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId }, alice.WithKey("k"), cancellationToken: Ct);
            Assert.Equal(BookingStatus.Pending, pending.Status);
            Assert.Empty(pending.Tickets);
            // The seat stays claimed at least until both the hold's expiry and the checkout's deadline while payment's outcome is unknown.
            Assert.Equal(1L, await fixture.BookingScalarAsync<long>(
                "SELECT count(*) FROM seat_claims WHERE hold_id = @h AND expires_at >= greatest(@t, (SELECT deadline FROM bookings WHERE hold_id = @h))",
                new { h = Guid.Parse(hold.Id), t = hold.ExpiresAt.ToDateTime() }));
            return pending;
        }
        catch
        {
            await fixture.StartPaymentAsync();
            throw;
        }
    }

    [Fact]
    public async Task A_checkout_pending_while_payment_was_down_is_confirmed_once_payment_returns()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var pending = await CheckoutWhilePaymentIsDownAsync(alice, show, seats[0]);

        await fixture.StartPaymentAsync();
        fixture.Clock.Advance(CheckoutFixture.ChargeTaskAfter + TimeSpan.FromSeconds(1)); // recovery asks payment to settle it
        var settled = await Eventually.UntilAsync(() => ReadAsync(alice, pending.Id), b => b.Status != BookingStatus.Pending, "the pending booking to settle");

        Assert.Equal(BookingStatus.Confirmed, settled.Status);
        Assert.Single(settled.Tickets);
        Assert.Equal((1L, settled.AmountMinor, 0L), await fixture.PaymentsForAsync(settled.Id));
        Assert.Equal(1L, await fixture.BookingScalarAsync<long>("SELECT count(*) FROM seat_claims WHERE hold_id = @h AND expires_at = 'infinity'", new { h = Guid.Parse(settled.HoldId) }));
    }

    [Fact]
    public async Task A_payment_of_another_amount_under_the_bookings_id_does_not_confirm_it()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var pending = await CheckoutWhilePaymentIsDownAsync(alice, show, seats[0]);
        await fixture.StartPaymentAsync();

        // Alice pays 1 cent by hand under the booking's id as idempotency key: it names the booking but is not its charge.
        var foreign = await fixture.Payment.CreatePaymentAsync(new Mesh.Payment.V1.CreatePaymentRequest
        {
            PaymentMethodId = alice.CardId, Amount = 1, Currency = "EUR", Capture = true,
        }, alice.WithKey(pending.Id), cancellationToken: Ct);
        var saga = fixture.BookingServices.GetRequiredService<Mesh.Booking.Bookings.CheckoutSaga>();
        var after = await saga.SettleAsync(Guid.Parse(pending.Id), new Mesh.Booking.Bookings.ChargeOutcome.Paid(Guid.Parse(foreign.Id), 1, "EUR"), Ct);
        Assert.Equal(Mesh.Booking.Bookings.BookingStates.Pending, after!.Status);

        // Recovery still ends it (the key now names another request, so payment refuses the booking's charge): never
        // CONFIRMED for 1 cent, never left PENDING.
        fixture.Clock.Advance(CheckoutFixture.ChargeTaskAfter + TimeSpan.FromSeconds(1));
        var settled = await Eventually.UntilAsync(() => ReadAsync(alice, pending.Id), b => b.Status != BookingStatus.Pending, "the pending booking to settle");
        Assert.Equal(BookingStatus.Failed, settled.Status);
        Assert.Empty(settled.Tickets);
    }

    [Fact]
    public async Task A_checkout_whose_deadline_passes_fails_frees_the_seats_and_a_late_charge_is_refunded()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var bob = await fixture.NewCustomerAsync();
        var pending = await CheckoutWhilePaymentIsDownAsync(alice, show, seats[1]);
        try
        {
            // Recovery queues a charge task (payment is down: it waits in RabbitMQ), then the deadline passes.
            fixture.Clock.Advance(CheckoutFixture.ChargeTaskAfter + TimeSpan.FromSeconds(1));
            await Eventually.UntilAsync(() => fixture.BookingScalarAsync<long>(
                "SELECT count(*) FROM mesh_outbox WHERE type = 'payment.charge_requested' AND sent_at IS NOT NULL AND convert_from(body, 'UTF8')::jsonb->>'IdempotencyKey' = @id",
                new { id = pending.Id }), n => n > 0, "the charge task to be published");
            fixture.Clock.Advance(TimeSpan.FromMinutes(2));
            var failed = await Eventually.UntilAsync(() => ReadAsync(alice, pending.Id), b => b.Status != BookingStatus.Pending, "the deadline to fail the booking");
            Assert.Equal((BookingStatus.Failed, "PAYMENT_TIMEOUT"), (failed.Status, failed.FailureReason));
            Assert.Equal(HoldStatus.Active, (await fixture.HoldAsync(bob, show, seats[1])).Status);
        }
        finally
        {
            await fixture.StartPaymentAsync();
        }

        // Payment now runs the queued task and charges; booking answers the late payment with a full refund.
        var (count, captured, refunded) = await Eventually.UntilAsync(() => fixture.PaymentsForAsync(pending.Id),
            p => p.Captured > 0 && p.Refunded == p.Captured, "the late charge to be refunded");
        Assert.Equal((1L, pending.AmountMinor), (count, captured));
        var after = await ReadAsync(alice, pending.Id);
        Assert.Equal((BookingStatus.Failed, pending.AmountMinor), (after.Status, after.RefundMinor));
    }
}
