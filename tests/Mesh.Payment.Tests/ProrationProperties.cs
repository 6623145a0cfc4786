using CsCheck;
using Mesh.Payment.Subscriptions;

namespace Mesh.Payment.Tests;

/// <summary>
/// Proration (<see cref="Proration.Part(long, long, long)"/>) for every amount, stretch and period CsCheck generates:
/// a part is between nothing and the whole price, the whole period is worth the whole price, a longer stretch is never
/// worth less, and the two stretches a change of plan splits a period into add up to the price within one minor unit
/// (each is rounded half up once), so a change of plan never gains or loses the customer more than a cent.
/// </summary>
public sealed class ProrationProperties
{
    /// <summary>Amounts up to 10^12 minor units; periods up to a year and a day in microseconds.</summary>
    private static readonly Gen<(long Amount, long Total)> AmountAndPeriod =
        Gen.Select(Gen.Long[0, 1_000_000_000_000], Gen.Long[1, 366L * 24 * 3600 * 1_000_000]);

    [Fact]
    public void A_part_is_between_nothing_and_the_whole_price_and_the_whole_period_is_the_whole_price()
    {
        Gen.Select(AmountAndPeriod, Gen.Double[0, 1]).Sample((period, fraction) =>
        {
            var remaining = (long)(period.Total * fraction);
            Assert.InRange(Proration.Part(period.Amount, remaining, period.Total), 0, period.Amount);
            Assert.Equal(period.Amount, Proration.Part(period.Amount, period.Total, period.Total));
            Assert.Equal(0, Proration.Part(period.Amount, 0, period.Total));
        }, iter: 10_000);
    }

    [Fact]
    public void A_longer_stretch_is_never_worth_less()
    {
        Gen.Select(AmountAndPeriod, Gen.Double[0, 1], Gen.Double[0, 1]).Sample((period, a, b) =>
        {
            long shorter = (long)(period.Total * Math.Min(a, b)), longer = (long)(period.Total * Math.Max(a, b));
            Assert.True(Proration.Part(period.Amount, shorter, period.Total) <= Proration.Part(period.Amount, longer, period.Total));
        }, iter: 10_000);
    }

    [Fact]
    public void The_two_parts_of_a_split_period_add_up_to_the_price_within_one_minor_unit()
    {
        Gen.Select(AmountAndPeriod, Gen.Double[0, 1]).Sample((period, fraction) =>
        {
            var used = (long)(period.Total * fraction);
            var sum = Proration.Part(period.Amount, used, period.Total) + Proration.Part(period.Amount, period.Total - used, period.Total);
            Assert.InRange(sum, period.Amount - 1, period.Amount + 1);
        }, iter: 10_000);
    }

    [Fact]
    public void Over_instants_a_part_is_what_is_left_of_the_period_clamped_to_it()
    {
        var start = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Gen.Select(Gen.Long[0, 1_000_000], Gen.Int[1, 366], Gen.Int[-400, 400]).Sample((amount, days, offsetDays) =>
        {
            var end = start.AddDays(days);
            var part = Proration.Part(amount, start, end, start.AddDays(offsetDays));
            if (offsetDays <= 0) Assert.Equal(amount, part);          // before the period: all of it is left
            else if (offsetDays >= days) Assert.Equal(0, part);       // after it: nothing is
            else Assert.InRange(part, 0, amount);
        }, iter: 5_000);
    }
}
