using Dapper;
using Mesh.Booking.Tests.Bookings;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Mesh.Referral.Tests.Support;
using Mesh.Referral.V1;
using Npgsql;

namespace Mesh.Referral.Tests;

/// <summary>
/// Coupons redeemed inside booking's checkout saga: reserved before the charge, the discounted amount paid, the
/// redemption confirmed with the booking or released when it fails, expires, or is cancelled with a refund.
/// </summary>
public sealed class RedemptionTests(ReferralFixture fixture) : IClassFixture<ReferralFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(Coupon Coupon, Customer Customer, Hold Hold)> ReadyAsync(string card = Mesh.Payment.Provider.TestCards.Visa, Action<Coupon>? configure = null)
    {
        var coupon = await fixture.CreateCouponAsync(configure);
        var customer = await fixture.NewCustomerAsync(card);
        var (show, seats) = fixture.AddShow();
        return (coupon, customer, await fixture.HoldAsync(customer, show, seats[0]));
    }

    private Task<Dictionary<string, int>> StatesAsync(Coupon coupon) => fixture.RedemptionStatesAsync(coupon.Id);

    private Task<int> RedeemedAsync(Coupon coupon) => fixture.ReferralScalarAsync<int>("SELECT redeemed FROM coupons WHERE id = @id::uuid", new { id = coupon.Id });

    private async Task<string> RedemptionOfAsync(string bookingId) =>
        await fixture.ReferralScalarAsync<string>("SELECT state || ':' || coalesce(release_reason, '') FROM redemptions WHERE booking_id = @id::uuid", new { id = bookingId });

    [Fact]
    public async Task A_coupon_discounts_the_charge_and_is_confirmed_with_the_booking()
    {
        var (coupon, customer, hold) = await ReadyAsync(configure: c => { c.Kind = DiscountKind.Fixed; c.PercentOff = 0; c.AmountOffMinor = 300; c.Currency = "EUR"; });
        var booking = await fixture.CheckoutAsync(customer, hold, coupon.Code.ToLowerInvariant());
        Assert.Equal((BookingStatus.Confirmed, 300L, 900L), (booking.Status, booking.DiscountMinor, booking.AmountMinor));
        await Eventually.UntilAsync(() => RedemptionOfAsync(booking.Id), s => s == "CONFIRMED:", "booking.confirmed to confirm the redemption");
        Assert.Equal(1, await RedeemedAsync(coupon));
    }

    [Fact]
    public async Task A_refused_coupon_refuses_the_checkout_and_changes_nothing_unless_the_client_chose_full_price()
    {
        var (coupon, customer, hold) = await ReadyAsync(configure: c => { c.MinSpendMinor = 5000; c.Currency = "EUR"; });
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.CheckoutAsync(customer, hold, coupon.Code));
        Assert.Equal((StatusCode.FailedPrecondition, "COUPON_MINIMUM_SPEND"), (e.StatusCode, Errors.Reason(e)));
        Assert.Equal(HoldStatus.Active, (await fixture.Booking.GetHoldAsync(new GetHoldRequest { Id = hold.Id }, customer.Bearer, cancellationToken: Ct)).Status);
        Assert.Empty(await StatesAsync(coupon));

        var fullPrice = await fixture.CheckoutAsync(customer, hold, coupon.Code, optional: true);
        Assert.Equal((BookingStatus.Confirmed, 0L, 1200L), (fullPrice.Status, fullPrice.DiscountMinor, fullPrice.AmountMinor));
        Assert.Empty(await StatesAsync(coupon));
    }

    [Fact]
    public async Task A_payment_failure_releases_the_redemption()
    {
        var (coupon, customer, hold) = await ReadyAsync(Mesh.Payment.Provider.TestCards.Declined, c => c.TotalLimit = 1);
        var booking = await fixture.CheckoutAsync(customer, hold, coupon.Code);
        Assert.Equal(BookingStatus.Failed, booking.Status);
        Assert.Equal(120L, booking.DiscountMinor);
        await Eventually.UntilAsync(() => RedemptionOfAsync(booking.Id), s => s == "RELEASED:BOOKING_FAILED", "booking.failed to release the redemption");
        Assert.Equal(0, await RedeemedAsync(coupon));

        // Its one redemption is free again: someone else uses it.
        var other = await fixture.NewCustomerAsync();
        var (show, seats) = fixture.AddShow();
        var second = await fixture.CheckoutAsync(other, await fixture.HoldAsync(other, show, seats[0]), coupon.Code);
        Assert.Equal((BookingStatus.Confirmed, 120L), (second.Status, second.DiscountMinor));
    }

    [Fact]
    public async Task A_reservation_nobody_confirms_is_released_when_its_ttl_passes()
    {
        // A checkout that reserved and then crashed before writing its booking: only the reservation exists.
        var (coupon, customer, _) = await ReadyAsync(configure: c => c.TotalLimit = 1);
        var bookingId = Guid.CreateVersion7().ToString();
        var reserved = await fixture.Referral.ReserveRedemptionAsync(new ReserveRedemptionRequest
        {
            BookingId = bookingId, Code = coupon.Code, AmountMinor = 1200, Currency = "EUR",
        }, customer.Bearer, cancellationToken: Ct);
        Assert.Equal(RedemptionState.Reserved, reserved.State);
        // Asking again for the same booking answers the same reservation (the saga may retry).
        var again = await fixture.Referral.ReserveRedemptionAsync(new ReserveRedemptionRequest
        {
            BookingId = bookingId, Code = coupon.Code, AmountMinor = 1200, Currency = "EUR",
        }, customer.Bearer, cancellationToken: Ct);
        Assert.Equal(reserved.Id, again.Id);
        Assert.Equal(1, await RedeemedAsync(coupon));

        Assert.Equal(0, await fixture.Sweeper.RunOnceAsync(Ct)); // not yet due
        fixture.Clock.Advance(reserved.ExpiresAt.ToDateTime() - fixture.Clock.GetUtcNow().UtcDateTime);
        Assert.True(await fixture.Sweeper.RunOnceAsync(Ct) >= 1);
        Assert.Equal("RELEASED:EXPIRED", await RedemptionOfAsync(bookingId));
        Assert.Equal(0, await RedeemedAsync(coupon));
        Assert.Equal(0, await fixture.Sweeper.RunOnceAsync(Ct)); // a second round changes nothing
        Assert.Equal(0, await RedeemedAsync(coupon));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    // Released by a saga that believed its booking was never written (found by CouponLimitProperties): the
    // confirmation proves it was, so it is taken back like an expired one.
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task A_booking_confirmed_after_its_reservation_expired_is_counted_again_unless_the_coupon_ran_out(bool ranOut, bool releasedBySaga)
    {
        var (coupon, customer, _) = await ReadyAsync(configure: c => c.TotalLimit = 1);
        var bookingId = Guid.CreateVersion7();
        var reserved = await fixture.Referral.ReserveRedemptionAsync(new ReserveRedemptionRequest
        {
            BookingId = bookingId.ToString(), Code = coupon.Code, AmountMinor = 1200, Currency = "EUR",
        }, customer.Bearer, cancellationToken: Ct);
        if (releasedBySaga)
        {
            await fixture.Referral.ReleaseRedemptionAsync(new ReleaseRedemptionRequest { BookingId = bookingId.ToString() }, customer.Bearer, cancellationToken: Ct);
            Assert.Equal("RELEASED:NOT_BOOKED", await RedemptionOfAsync(bookingId.ToString()));
        }
        else
        {
            fixture.Clock.Advance(reserved.ExpiresAt.ToDateTime() - fixture.Clock.GetUtcNow().UtcDateTime);
            await fixture.Sweeper.RunOnceAsync(Ct);
            Assert.Equal("RELEASED:EXPIRED", await RedemptionOfAsync(bookingId.ToString()));
        }
        Customer? other = null;
        var othersBooking = Guid.CreateVersion7().ToString();
        if (ranOut)
        {
            // Someone else takes the coupon's only place meanwhile.
            other = await fixture.NewCustomerAsync();
            await fixture.Referral.ReserveRedemptionAsync(new ReserveRedemptionRequest
            {
                BookingId = othersBooking, Code = coupon.Code, AmountMinor = 1200, Currency = "EUR",
            }, other.Bearer, cancellationToken: Ct);
        }

        // booking.confirmed for the booking arrives late (it stayed PENDING past the TTL, then was paid).
        await using (var connection = new NpgsqlConnection(fixture.ReferralDb))
        {
            await connection.OpenAsync(Ct);
            await using var tx = await connection.BeginTransactionAsync(Ct);
            var late = Mesh.ServiceDefaults.Messaging.OutboxMessage.Json("booking.confirmed",
                new { BookingId = bookingId, UserId = customer.Id, StartsAt = fixture.Clock.GetUtcNow().UtcDateTime.AddDays(2) });
            await Workers.BookingEventsConsumer.ApplyAsync(late.Type, new Mesh.ServiceDefaults.Messaging.InboxMessage(late.Id, late.Type, late.Body, 1), tx,
                fixture.Clock.GetUtcNow().UtcDateTime, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            await tx.CommitAsync(Ct);
        }
        Assert.Equal(ranOut ? "RELEASED:CONFIRMED_AFTER_EXPIRY_OVER_LIMIT" : "CONFIRMED:", await RedemptionOfAsync(bookingId.ToString()));
        Assert.Equal(1, await RedeemedAsync(coupon)); // never past the limit
        // The other checkout never wrote its booking: its saga gives the place back (no reservation outlives this test).
        if (other is not null)
            await fixture.Referral.ReleaseRedemptionAsync(new ReleaseRedemptionRequest { BookingId = othersBooking }, other.Bearer, cancellationToken: Ct);
    }

    [Fact]
    public async Task Payment_down_mid_saga_ends_pending_then_failed_at_the_deadline_and_the_redemption_released()
    {
        var (coupon, customer, hold) = await ReadyAsync(configure: c => c.TotalLimit = 1);
        await fixture.StopPaymentAsync();
        BookingRecord pending;
        try
        {
            pending = await fixture.CheckoutAsync(customer, hold, coupon.Code);
            Assert.Equal((BookingStatus.Pending, 120L), (pending.Status, pending.DiscountMinor));
            Assert.Equal("RESERVED:", await RedemptionOfAsync(pending.Id)); // held while the booking's outcome is unknown
            fixture.Clock.Advance(TimeSpan.FromMinutes(3)); // past booking's checkout deadline (2 min), within the reservation's TTL (10 min)
            var failed = await Eventually.UntilAsync(() => fixture.Booking.GetBookingAsync(new GetBookingRequest { Id = pending.Id }, customer.Bearer, cancellationToken: Ct).ResponseAsync,
                b => b.Status != BookingStatus.Pending, "the deadline to fail the booking");
            Assert.Equal((BookingStatus.Failed, "PAYMENT_TIMEOUT"), (failed.Status, failed.FailureReason));
        }
        finally
        {
            await fixture.StartPaymentAsync();
        }
        await Eventually.UntilAsync(() => RedemptionOfAsync(pending.Id), s => s == "RELEASED:BOOKING_FAILED", "booking.failed to release the redemption");
        Assert.Equal(0, await RedeemedAsync(coupon));
    }

    [Fact]
    public async Task Payment_down_mid_saga_then_back_confirms_the_booking_and_the_redemption_with_it()
    {
        var (coupon, customer, hold) = await ReadyAsync();
        await fixture.StopPaymentAsync();
        BookingRecord pending;
        try
        {
            pending = await fixture.CheckoutAsync(customer, hold, coupon.Code);
            Assert.Equal(BookingStatus.Pending, pending.Status);
        }
        finally
        {
            await fixture.StartPaymentAsync();
        }
        fixture.Clock.Advance(TimeSpan.FromSeconds(6)); // booking's recovery asks payment (a queue task) to settle the charge
        var confirmed = await Eventually.UntilAsync(() => fixture.Booking.GetBookingAsync(new GetBookingRequest { Id = pending.Id }, customer.Bearer, cancellationToken: Ct).ResponseAsync,
            b => b.Status != BookingStatus.Pending, "recovery to settle the booking");
        Assert.Equal((BookingStatus.Confirmed, 1080L), (confirmed.Status, confirmed.AmountMinor));
        await Eventually.UntilAsync(() => RedemptionOfAsync(pending.Id), s => s == "CONFIRMED:", "booking.confirmed to confirm the redemption");
    }

    [Fact]
    public async Task A_cancellation_with_a_refund_gives_the_redemption_back()
    {
        var (coupon, customer, hold) = await ReadyAsync(configure: c => c.TotalLimit = 1);
        var booking = await fixture.CheckoutAsync(customer, hold, coupon.Code);
        await Eventually.UntilAsync(() => RedemptionOfAsync(booking.Id), s => s == "CONFIRMED:", "the redemption to be confirmed");
        var cancelled = await fixture.Booking.CancelBookingAsync(new CancelBookingRequest { Id = booking.Id }, customer.Bearer, cancellationToken: Ct);
        Assert.True(cancelled.RefundMinor > 0);
        await Eventually.UntilAsync(() => RedemptionOfAsync(booking.Id), s => s == "RELEASED:BOOKING_CANCELLED_REFUNDED", "booking.cancelled to give the redemption back");
        Assert.Equal(0, await RedeemedAsync(coupon));
    }

    [Fact]
    public async Task The_limits_hold_in_the_database_even_against_a_write_that_skips_the_code()
    {
        var (coupon, _, _) = await ReadyAsync(configure: c => c.TotalLimit = 2);
        await using var connection = new NpgsqlConnection(fixture.ReferralDb);
        var e = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("UPDATE coupons SET redeemed = 3 WHERE id = @id::uuid", new { id = coupon.Id }));
        Assert.Equal("23514", e.SqlState); // check_violation
        await connection.ExecuteAsync("INSERT INTO coupon_users (coupon_id, user_id, redeemed, per_user_limit) VALUES (@id::uuid, 'u', 1, 1)", new { id = coupon.Id });
        e = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("UPDATE coupon_users SET redeemed = 2 WHERE coupon_id = @id::uuid", new { id = coupon.Id }));
        Assert.Equal("23514", e.SqlState);
    }
}
