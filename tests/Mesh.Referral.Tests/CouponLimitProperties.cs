using CsCheck;
using Mesh.Booking.Tests.Bookings;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Mesh.Referral.Tests.Support;
using Mesh.Referral.V1;

namespace Mesh.Referral.Tests;

/// <summary>
/// Coupon limits, model-based: for coupons with any total and per-user limit, CsCheck generates sequences of
/// checkouts with the coupon (through booking's saga and RabbitMQ, as production runs them), bare reservations whose
/// booking is never written (a saga that died), repeated reservations for the same booking, releases, and expiry (the
/// clock moved past the reservation TTL, then the sweeper). Each runs against the services and their real databases
/// and against a model: a redemption is granted exactly when the model grants it (the total limit checked before the
/// user's), asking again for a booking answers the same redemption, and after every step the coupon's counter, its
/// live redemptions and each user's never exceed their limits and equal the model's.
/// </summary>
public sealed class CouponLimitProperties(ReferralFixture fixture) : IClassFixture<ReferralFixture>
{
    private const int Users = 3;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private abstract record Op;
    private sealed record Checkout(int User) : Op;
    private sealed record Reserve(int User) : Op;
    private sealed record ReserveAgain(int Nth) : Op;
    private sealed record Release(int Nth) : Op;
    private sealed record Expire : Op;

    private static readonly Gen<Op> AnyOp = Gen.Frequency(
        (3, Gen.Int[0, Users - 1].Select(Op (u) => new Checkout(u))),
        (3, Gen.Int[0, Users - 1].Select(Op (u) => new Reserve(u))),
        (1, Gen.Int[0, 20].Select(Op (n) => new ReserveAgain(n))),
        (2, Gen.Int[0, 20].Select(Op (n) => new Release(n))),
        (1, Gen.Const<Op>(new Expire())));

    /// <summary>A redemption as the model sees it: live (counted against the limits) until released or expired.</summary>
    private sealed class ModelRedemption(string bookingId, int user, bool booked)
    {
        public string BookingId { get; } = bookingId;
        public int User { get; } = user;
        /// <summary>Made by a checkout that confirmed: booking's event confirms it, so it never expires.</summary>
        public bool Booked { get; } = booked;
        public bool Live { get; set; } = true;
    }

    [Fact]
    public async Task Every_sequence_keeps_redemptions_within_the_coupon_limits_and_agrees_with_the_model()
    {
        var limits = Gen.Select(Gen.Int[1, 4], Gen.Int[1, 2]).Where((total, perUser) => perUser <= total);   // the service refuses per_user > total
        var gen = Gen.Select(limits, AnyOp.Array[4, 16]).Select((l, ops) => (l.Item1, l.Item2, ops));
        await gen.SampleAsync(RunAsync, iter: 12, threads: 1,
            print: t => $"total {t.Item1}, per user {t.Item2}: {string.Join(" ; ", t.Item3.Select(o => o.ToString()))}");
    }

    private async Task RunAsync(int totalLimit, int perUserLimit, Op[] ops)
    {
        var coupon = await fixture.CreateCouponAsync(c => { c.TotalLimit = totalLimit; c.PerUserLimit = perUserLimit; c.PercentOff = 20; });
        var customers = new List<Customer>();
        for (var i = 0; i < Users; i++) customers.Add(await fixture.NewCustomerAsync());
        var (show, seats) = fixture.AddShow(ops.Length);
        var redemptions = new List<ModelRedemption>();
        var seat = 0;

        foreach (var op in ops)
        {
            switch (op)
            {
                case Checkout(var user):
                {
                    var expected = Expect(redemptions, totalLimit, perUserLimit, user);
                    var hold = await fixture.HoldAsync(customers[user], show, seats[seat++]);
                    try
                    {
                        var booking = await fixture.CheckoutAsync(customers[user], hold, coupon.Code);
                        Assert.True(expected is null, $"{op}: checkout got the coupon, the model refuses it ({expected})");
                        Assert.Equal(BookingStatus.Confirmed, booking.Status);
                        Assert.True(booking.DiscountMinor > 0);
                        redemptions.Add(new ModelRedemption(booking.Id, user, booked: true));
                        // Booking's booking.confirmed reaches referral promptly in production; the model assumes it has.
                        await ConfirmedAsync(coupon.Id, redemptions.Count(r => r.Booked));
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
                    {
                        Assert.True(expected == Errors.Reason(e), $"{op}: checkout refused with {Errors.Reason(e)}, the model expects {expected ?? "a discount"}");
                        await fixture.Booking.ReleaseHoldAsync(new ReleaseHoldRequest { Id = hold.Id }, customers[user].Bearer, cancellationToken: Ct);
                    }
                    break;
                }
                case Reserve(var user):
                {
                    var expected = Expect(redemptions, totalLimit, perUserLimit, user);
                    var bookingId = Guid.CreateVersion7().ToString();
                    try
                    {
                        var redemption = await ReserveAsync(customers[user], coupon.Code, bookingId);
                        Assert.True(expected is null, $"{op}: reserved, the model refuses it ({expected})");
                        Assert.Equal(RedemptionState.Reserved, redemption.State);
                        redemptions.Add(new ModelRedemption(bookingId, user, booked: false));
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
                    {
                        Assert.True(expected == Errors.Reason(e), $"{op}: refused with {Errors.Reason(e)}, the model expects {expected ?? "a reservation"}");
                    }
                    break;
                }
                case ReserveAgain(var nth) when redemptions.Any(r => !r.Booked):
                {
                    // The saga retrying: the same booking id answers the same redemption, whatever its state, and changes nothing.
                    var bare = redemptions.Where(r => !r.Booked).ToList();
                    var again = bare[nth % bare.Count];
                    var redemption = await ReserveAsync(customers[again.User], coupon.Code, again.BookingId);
                    Assert.Equal(again.BookingId, redemption.BookingId);
                    Assert.Equal(again.Live ? RedemptionState.Reserved : RedemptionState.Released, redemption.State);
                    break;
                }
                case Release(var nth) when redemptions.Count > 0:
                {
                    var release = redemptions[nth % redemptions.Count];
                    var redemption = await fixture.Referral.ReleaseRedemptionAsync(new ReleaseRedemptionRequest { BookingId = release.BookingId },
                        customers[release.User].Bearer, cancellationToken: Ct);
                    // A confirmed redemption (its booking exists) is left as it is; a reserved one is released.
                    if (!release.Booked) release.Live = false;
                    Assert.Equal(release.Booked ? RedemptionState.Confirmed : RedemptionState.Released, redemption.State);
                    break;
                }
                case Expire:
                    // Booking's events first (in production they arrive within the TTL), then past the TTL and the sweeper.
                    await ConfirmedAsync(coupon.Id, redemptions.Count(r => r.Booked));
                    fixture.Clock.Advance(TimeSpan.FromMinutes(11));
                    await fixture.Sweeper.RunOnceAsync(Ct);
                    foreach (var r in redemptions.Where(r => !r.Booked)) r.Live = false;
                    break;
            }
            await AssertAgreesAsync(coupon.Id, totalLimit, perUserLimit, customers, redemptions, op);
        }
        await ConfirmedAsync(coupon.Id, redemptions.Count(r => r.Booked));
    }

    /// <summary>What the service must answer: the total limit is checked before the user's.</summary>
    private static string? Expect(List<ModelRedemption> redemptions, int totalLimit, int perUserLimit, int user)
    {
        if (redemptions.Count(r => r.Live) >= totalLimit) return "COUPON_EXHAUSTED";
        return redemptions.Count(r => r.Live && r.User == user) >= perUserLimit ? "COUPON_USER_LIMIT" : null;
    }

    private Task<Redemption> ReserveAsync(Customer customer, string code, string bookingId) =>
        fixture.Referral.ReserveRedemptionAsync(new ReserveRedemptionRequest { BookingId = bookingId, Code = code, AmountMinor = 1_200, Currency = "EUR" },
            customer.Bearer, cancellationToken: Ct).ResponseAsync;

    private Task ConfirmedAsync(string couponId, int booked) =>
        Eventually.UntilAsync(() => fixture.RedemptionStatesAsync(couponId), s => s.GetValueOrDefault("CONFIRMED") == booked,
            $"booking's events to confirm {booked} redemptions");

    private async Task AssertAgreesAsync(string couponId, int totalLimit, int perUserLimit, List<Customer> customers, List<ModelRedemption> redemptions, Op after)
    {
        var counter = await fixture.ReferralScalarAsync<int>("SELECT redeemed FROM coupons WHERE id = @id::uuid", new { id = couponId });
        var states = await fixture.RedemptionStatesAsync(couponId);
        var live = states.GetValueOrDefault("RESERVED") + states.GetValueOrDefault("CONFIRMED");
        Assert.True(counter == redemptions.Count(r => r.Live) && live == counter,
            $"after {after}: counter {counter}, live redemptions {live}, the model has {redemptions.Count(r => r.Live)}");
        Assert.InRange(counter, 0, totalLimit);
        for (var user = 0; user < customers.Count; user++)
        {
            var mine = await fixture.ReferralScalarAsync<int>(
                "SELECT count(*)::int FROM redemptions WHERE coupon_id = @id::uuid AND user_id = @user AND state <> 'RELEASED'", new { id = couponId, user = customers[user].Id });
            var u = user;
            Assert.True(mine == redemptions.Count(r => r.Live && r.User == u), $"after {after}: user {user} has {mine} live redemptions");
            Assert.InRange(mine, 0, perUserLimit);
        }
    }
}
