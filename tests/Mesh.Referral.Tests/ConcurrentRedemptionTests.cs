using Mesh.Booking.Tests.Bookings;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Mesh.Referral.Tests.Support;

namespace Mesh.Referral.Tests;

/// <summary>A thousand checkouts at once with one coupon limited to 100 redemptions (its own databases: the counts are exact).</summary>
public sealed class ConcurrentRedemptionTests(ReferralFixture fixture) : IClassFixture<ReferralFixture>
{
    private const int Checkouts = 1000;
    private const int Limit = 100;

    [Fact]
    public async Task Exactly_the_limit_is_discounted_the_rest_refused_or_full_price_as_each_client_chose_and_nothing_stays_reserved()
    {
        var ct = TestContext.Current.CancellationToken;
        var coupon = await fixture.CreateCouponAsync(c => { c.TotalLimit = Limit; c.PerUserLimit = 1; c.PercentOff = 50; });
        var (show, seats) = fixture.AddShow(Checkouts);

        // A thousand customers, each with a card and a hold on one seat (prepared a few dozen at a time).
        using var gate = new SemaphoreSlim(32);
        var ready = await Task.WhenAll(Enumerable.Range(0, Checkouts).Select(async i =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var customer = await fixture.NewCustomerAsync();
                return (Customer: customer, Hold: await fixture.HoldAsync(customer, show, seats[i]), Optional: i % 2 == 0);
            }
            finally
            {
                gate.Release();
            }
        }));

        // All at once: even-numbered clients pay full price if the coupon is refused, odd-numbered ones want no booking then.
        var outcomes = await Task.WhenAll(ready.Select(async r =>
        {
            try
            {
                return (r.Optional, Booking: (BookingRecord?)await fixture.CheckoutAsync(r.Customer, r.Hold, coupon.Code, r.Optional), Error: (RpcException?)null);
            }
            catch (RpcException e)
            {
                return (r.Optional, Booking: null, Error: e);
            }
        }));

        var bookings = outcomes.Where(o => o.Booking is not null).Select(o => o.Booking!).ToList();
        var refused = outcomes.Where(o => o.Error is not null).ToList();
        Assert.All(refused, o => Assert.Equal((StatusCode.FailedPrecondition, "COUPON_EXHAUSTED", false), (o.Error!.StatusCode, Errors.Reason(o.Error), o.Optional)));
        Assert.All(bookings, b => Assert.NotEqual(BookingStatus.Failed, b.Status));
        Assert.Equal(Limit, bookings.Count(b => b.DiscountMinor > 0));
        Assert.All(bookings.Where(b => b.DiscountMinor > 0), b => Assert.Equal(b.DiscountMinor, b.AmountMinor)); // 50 % off
        Assert.All(outcomes.Where(o => o.Booking is { DiscountMinor: 0 }), o => Assert.True(o.Optional)); // full price only when chosen
        Assert.Equal(Checkouts, bookings.Count + refused.Count);

        // Once booking's events are through, every redemption is confirmed and none is left reserved.
        var states = await Eventually.UntilAsync(() => fixture.RedemptionStatesAsync(coupon.Id),
            s => !s.ContainsKey("RESERVED"), "every reservation to be confirmed or released", TimeSpan.FromMinutes(3));
        Assert.Equal(Limit, states.GetValueOrDefault("CONFIRMED"));
        Assert.Equal(Limit, await fixture.ReferralScalarAsync<int>("SELECT redeemed FROM coupons WHERE id = @id::uuid", new { id = coupon.Id }));
    }
}
