using CsCheck;
using Mesh.Booking.Bookings;

namespace Mesh.Booking.Tests.Properties;

/// <summary>
/// The cancellation policy (<see cref="CancellationPolicy.Quote"/>) for every policy, amount and instant CsCheck
/// generates: a refund is never negative nor more than was paid, the fee never more than the gross refund, nothing is
/// cancellable once the start has passed, the quoted terms hold until their ValidUntil, and for a policy whose rules
/// refund less (and charge more) as the start nears, waiting never increases the refund.
/// </summary>
public sealed class CancellationPolicyProperties
{
    private static readonly DateTime Start = new(2027, 3, 1, 20, 0, 0, DateTimeKind.Utc);

    /// <summary>0-5 rules with distinct notices (0-72 h in minutes), any percentage and fee.</summary>
    private static readonly Gen<CancellationRule[]> AnyPolicy =
        Gen.Select(Gen.Int[0, 72 * 60], Gen.Int[0, 100], Gen.Long[0, 5_000])
            .Select((notice, percent, fee) => new CancellationRule(TimeSpan.FromMinutes(notice), percent, fee, $"{percent}% less {fee} from {notice} min"))
            .Array[0, 5]
            .Select(rules => rules.DistinctBy(r => r.MinNotice).ToArray());

    /// <summary>A policy shaped like the seeded one: the longer the notice, the higher the refund and the lower the fee.</summary>
    private static readonly Gen<CancellationRule[]> MonotonePolicy =
        AnyPolicy.Select(rules =>
        {
            var byNotice = rules.OrderBy(r => r.MinNotice).ToArray();
            var percents = byNotice.Select(r => r.RefundPercent).Order().ToArray();
            var fees = byNotice.Select(r => r.FeeMinor).OrderDescending().ToArray();
            return byNotice.Select((r, i) => r with { RefundPercent = percents[i], FeeMinor = fees[i] }).ToArray();
        });

    /// <summary>Paid 0-1,000,000 minor units; now from four days before the start to one hour after it (by the minute).</summary>
    private static readonly Gen<(long Paid, DateTime Now)> PaidAndNow =
        Gen.Select(Gen.Long[0, 1_000_000], Gen.Int[-96 * 60, 60]).Select((paid, minutes) => (paid, Start.AddMinutes(minutes)));

    private static BookingRow Confirmed(long paid) => new() { Status = BookingStates.Confirmed, StartsAt = Start, AmountMinor = paid };

    [Fact]
    public void A_refund_is_between_zero_and_what_was_paid_and_the_fee_never_exceeds_the_gross_refund()
    {
        Gen.Select(AnyPolicy, PaidAndNow).Sample((rules, paidAndNow) =>
        {
            var terms = CancellationPolicy.Quote(rules, Confirmed(paidAndNow.Paid), paidAndNow.Now);
            Assert.InRange(terms.RefundMinor, 0, paidAndNow.Paid);
            Assert.InRange(terms.FeeMinor, 0, paidAndNow.Paid);
            Assert.True(terms.RefundMinor + terms.FeeMinor <= paidAndNow.Paid, $"refund {terms.RefundMinor} + fee {terms.FeeMinor} > paid {paidAndNow.Paid}");
        }, iter: 5_000);
    }

    [Fact]
    public void Nothing_is_cancellable_at_or_after_the_start_nor_a_booking_that_is_not_confirmed()
    {
        Gen.Select(AnyPolicy, PaidAndNow, Gen.OneOf(BookingStates.Pending, BookingStates.Failed, BookingStates.Cancelled))
            .Sample((rules, paidAndNow, status) =>
            {
                var started = CancellationPolicy.Quote(rules, Confirmed(paidAndNow.Paid), Start.AddMinutes(Math.Abs((paidAndNow.Now - Start).TotalMinutes)));
                Assert.False(started.Cancellable);
                Assert.Equal(0, started.RefundMinor);
                var other = CancellationPolicy.Quote(rules, new BookingRow { Status = status, StartsAt = Start, AmountMinor = paidAndNow.Paid }, paidAndNow.Now);
                Assert.False(other.Cancellable);
                Assert.Equal(0, other.RefundMinor);
            }, iter: 2_000);
    }

    [Fact]
    public void The_quoted_terms_hold_at_every_instant_until_their_valid_until()
    {
        Gen.Select(AnyPolicy, PaidAndNow, Gen.Double[0, 1]).Sample((rules, paidAndNow, fraction) =>
        {
            var booking = Confirmed(paidAndNow.Paid);
            var terms = CancellationPolicy.Quote(rules, booking, paidAndNow.Now);
            if (!terms.Cancellable || terms.ValidUntil is not { } until) return;
            Assert.True(until >= paidAndNow.Now, $"valid until {until:O} is before the quote at {paidAndNow.Now:O}");
            // Any instant in [now, until) — the end is exclusive: at start − notice the next rule may apply.
            var later = paidAndNow.Now + TimeSpan.FromTicks((long)((until - paidAndNow.Now).Ticks * fraction));
            if (later >= until) return;
            var again = CancellationPolicy.Quote(rules, booking, later);
            Assert.Equal((terms.RefundMinor, terms.FeeMinor, terms.Rule), (again.RefundMinor, again.FeeMinor, again.Rule));
        }, iter: 5_000);
    }

    [Fact]
    public void Under_a_policy_that_refunds_less_as_the_start_nears_waiting_never_increases_the_refund()
    {
        Gen.Select(MonotonePolicy, PaidAndNow, Gen.Int[0, 96 * 60]).Sample((rules, paidAndNow, waitMinutes) =>
        {
            var booking = Confirmed(paidAndNow.Paid);
            var now = CancellationPolicy.Quote(rules, booking, paidAndNow.Now);
            var later = CancellationPolicy.Quote(rules, booking, paidAndNow.Now.AddMinutes(waitMinutes));
            Assert.True(later.RefundMinor <= now.RefundMinor, $"refund grew from {now.RefundMinor} ({now.Rule}) to {later.RefundMinor} ({later.Rule}) by waiting {waitMinutes} min");
        }, iter: 5_000);
    }
}
