using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Mesh.Payment.Provider;
using Mesh.Payment.V1;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>The checkout saga against the real payment service: confirmed with tickets, idempotent, refused cleanly.</summary>
public sealed class CheckoutTests(CheckoutFixture fixture) : IClassFixture<CheckoutFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<Hold> HoldAsync(Customer customer, string showId, params string[] seats)
    {
        var request = new CreateHoldRequest { ShowId = showId };
        request.SeatIds.AddRange(seats);
        return await fixture.Client.CreateHoldAsync(request, customer.Bearer, cancellationToken: Ct);
    }

    [Fact]
    public async Task Checkout_confirms_issues_tickets_books_the_seats_and_captures_exactly_the_amount()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var hold = await HoldAsync(alice, show, seats[0], seats[9]); // a standard and a premium seat

        var booking = await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId }, alice.WithKey("k-1"), cancellationToken: Ct);

        Assert.Equal(BookingStatus.Confirmed, booking.Status);
        Assert.Equal(FakeCatalog.StandardPrice + FakeCatalog.PremiumPrice, booking.AmountMinor);
        Assert.Equal("EUR", booking.Currency);
        Assert.Equal(hold.Id, booking.HoldId);
        Assert.Equal([seats[0], seats[9]], booking.Tickets.Select(t => t.SeatId));
        Assert.All(booking.Tickets, t => Assert.NotEmpty(t.Code));
        Assert.Equal([seats[0], seats[9]], booking.Seats.Select(s => s.SeatId));
        Assert.NotNull(booking.ConfirmTime);

        var payment = await fixture.Payment.GetPaymentAsync(new GetPaymentRequest { Id = booking.PaymentId }, alice.Bearer, cancellationToken: Ct);
        Assert.Equal((PaymentStatus.Succeeded, booking.AmountMinor, booking.AmountMinor), (payment.Status, payment.Amount, payment.AmountCaptured));

        // The seats are the booking's for good: claims that never expire, and nobody else can hold them.
        Assert.Equal(2L, await fixture.BookingScalarAsync<long>("SELECT count(*) FROM seat_claims WHERE hold_id = @h AND expires_at = 'infinity'", new { h = Guid.Parse(hold.Id) }));
        var bob = await fixture.NewCustomerAsync();
        var taken = await Assert.ThrowsAsync<RpcException>(() => HoldAsync(bob, show, seats[0]));
        Assert.Equal(StatusCode.FailedPrecondition, taken.StatusCode);
        Assert.Equal([seats[0]], Errors.TakenSeats(taken));
        fixture.Clock.Advance(TimeSpan.FromMinutes(30)); // far past the hold's own expiry
        taken = await Assert.ThrowsAsync<RpcException>(() => HoldAsync(bob, show, seats[9]));
        Assert.Equal(StatusCode.FailedPrecondition, taken.StatusCode);

        var read = await fixture.Client.GetBookingAsync(new GetBookingRequest { Id = booking.Id }, alice.Bearer, cancellationToken: Ct);
        Assert.Equal(booking, read);
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_makes_one_booking_and_one_payment()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var hold = await HoldAsync(alice, show, seats[1]);
        var request = new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId };

        var calls = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => fixture.Client.CheckoutAsync(request, alice.WithKey("same-key"), cancellationToken: Ct).ResponseAsync));
        var again = await fixture.Client.CheckoutAsync(request, alice.WithKey("same-key"), cancellationToken: Ct);

        Assert.Single(calls.Append(again).Select(b => b.Id).Distinct());
        Assert.Equal(BookingStatus.Confirmed, again.Status);
        Assert.Equal((1L, again.AmountMinor, 0L), await fixture.PaymentsForAsync(again.Id));
        Assert.Equal(1L, await fixture.BookingScalarAsync<long>("SELECT count(*) FROM bookings WHERE hold_id = @h", new { h = Guid.Parse(hold.Id) }));

        // Concurrent checkouts of one hold under different keys: one booking, one payment.
        var raced = await HoldAsync(alice, show, seats[3]);
        var racers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => fixture.Client.CheckoutAsync(
            new CheckoutRequest { HoldId = raced.Id, PaymentMethodId = alice.CardId }, alice.WithKey($"race-{i}"), cancellationToken: Ct).ResponseAsync));
        Assert.Single(racers.Select(b => b.Id).Distinct());
        Assert.Equal(1L, (await fixture.PaymentsForAsync(racers[0].Id)).Count);

        // Another key for the same hold answers the same booking (one booking per hold) without charging again.
        var otherKey = await fixture.Client.CheckoutAsync(request, alice.WithKey("other-key"), cancellationToken: Ct);
        Assert.Equal(again.Id, otherKey.Id);
        Assert.Equal((1L, again.AmountMinor, 0L), await fixture.PaymentsForAsync(again.Id));

        // The same key for a different checkout is refused.
        var secondHold = await HoldAsync(alice, show, seats[2]);
        var reused = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = secondHold.Id, PaymentMethodId = alice.CardId }, alice.WithKey("same-key"), cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, reused.StatusCode);
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", Errors.Reason(reused));
    }

    [Theory]
    [InlineData(TestCards.Declined, "CARD_DECLINED")]
    [InlineData(TestCards.InsufficientFunds, "INSUFFICIENT_FUNDS")]
    public async Task A_refused_payment_fails_the_booking_and_frees_the_seats(string card, string reason)
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync(card);
        var hold = await HoldAsync(alice, show, seats[3], seats[4]);

        var booking = await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId }, alice.WithKey("k"), cancellationToken: Ct);

        Assert.Equal(BookingStatus.Failed, booking.Status);
        Assert.Equal(reason, booking.FailureReason);
        Assert.Empty(booking.Tickets);
        var (_, captured, _) = await fixture.PaymentsForAsync(booking.Id);
        Assert.Equal(0, captured);
        Assert.Equal(0L, await fixture.BookingScalarAsync<long>("SELECT count(*) FROM seat_claims WHERE hold_id = @h", new { h = Guid.Parse(hold.Id) }));

        // Another user can hold the same seats at once.
        var bob = await fixture.NewCustomerAsync();
        var bobs = await HoldAsync(bob, show, seats[3], seats[4]);
        Assert.Equal(HoldStatus.Active, bobs.Status);

        // Checking out the failed hold again answers the failed booking; nothing is charged.
        var again = await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId }, alice.Bearer, cancellationToken: Ct);
        Assert.Equal((booking.Id, BookingStatus.Failed), (again.Id, again.Status));
    }

    [Fact]
    public async Task A_show_cancelled_after_the_hold_cannot_be_checked_out_and_nothing_is_charged()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var hold = await HoldAsync(alice, show, seats[6]);
        fixture.Catalog.MarkShowCancelled(show);

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId }, alice.Bearer, cancellationToken: Ct));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal("SHOW_NOT_BOOKABLE", Errors.Reason(refused));
        Assert.Equal(0L, await fixture.BookingScalarAsync<long>("SELECT count(*) FROM bookings WHERE hold_id = @h", new { h = Guid.Parse(hold.Id) }));
    }

    [Fact]
    public async Task A_coupon_is_refused_until_discounts_exist_and_nothing_is_written()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var hold = await HoldAsync(alice, show, seats[5]);

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId, CouponCode = "SUMMER" }, alice.Bearer, cancellationToken: Ct));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal("COUPON_NOT_ACCEPTED", Errors.Reason(refused));
        Assert.Equal(0L, await fixture.BookingScalarAsync<long>("SELECT count(*) FROM bookings WHERE hold_id = @h", new { h = Guid.Parse(hold.Id) }));
    }

    [Fact]
    public async Task Only_an_active_hold_of_the_caller_can_be_checked_out()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var bob = await fixture.NewCustomerAsync();
        var hold = await HoldAsync(alice, show, seats[6]);

        var notYours = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = bob.CardId }, bob.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, notYours.StatusCode);

        var expiring = await HoldAsync(alice, show, seats[7]);
        fixture.Clock.Advance(TimeSpan.FromMinutes(11)); // past the 10-minute hold
        var expired = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = expiring.Id, PaymentMethodId = alice.CardId }, alice.Bearer, cancellationToken: Ct));
        Assert.Equal("HOLD_NOT_ACTIVE", Errors.Reason(expired));
        Assert.Contains("expired", expired.Status.Detail);

        await fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = hold.Id }, alice.Bearer, cancellationToken: Ct);
        var released = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId }, alice.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, released.StatusCode);
        Assert.Equal("HOLD_NOT_ACTIVE", Errors.Reason(released));
    }

    [Fact]
    public async Task A_service_slot_checkout_confirms_one_ticket_per_place_and_keeps_the_places_until_cancelled()
    {
        var serviceId = fixture.Catalog.AddService(capacity: 3);
        var slot = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(FakeCatalog.SlotStart(fixture.Clock.GetUtcNow().UtcDateTime, days: 3));
        var alice = await fixture.NewCustomerAsync();
        var bob = await fixture.NewCustomerAsync();
        var hold = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ServiceId = serviceId, SlotStart = slot, Quantity = 2 }, alice.Bearer, cancellationToken: Ct);

        var booking = await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId }, alice.WithKey("slot"), cancellationToken: Ct);

        Assert.Equal(BookingStatus.Confirmed, booking.Status);
        Assert.Equal((serviceId, slot, 2, slot), (booking.ServiceId, booking.SlotStart, booking.Quantity, booking.StartsAt));
        Assert.Equal(2 * FakeCatalog.PlacePrice, booking.AmountMinor);
        Assert.Equal(2, booking.Tickets.Count);
        Assert.Equal(1L, await fixture.BookingScalarAsync<long>("SELECT count(*) FROM slot_claims WHERE hold_id = @h AND expires_at = 'infinity'", new { h = Guid.Parse(hold.Id) }));
        fixture.Clock.Advance(TimeSpan.FromMinutes(30)); // past the hold's expiry: the booked places still count
        var full = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ServiceId = serviceId, SlotStart = slot, Quantity = 2 }, bob.Bearer, cancellationToken: Ct));
        Assert.Equal("SLOT_FULL", Errors.Reason(full));

        await fixture.Client.CancelBookingAsync(new CancelBookingRequest { Id = booking.Id }, alice.Bearer, cancellationToken: Ct);
        var after = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ServiceId = serviceId, SlotStart = slot, Quantity = 3 }, bob.Bearer, cancellationToken: Ct);
        Assert.Equal(HoldStatus.Active, after.Status);
    }
}
