namespace Mesh.Payment.Subscriptions;

/// <summary>
/// Proration in integer minor units: the part of a period's price that a stretch of the period is worth,
/// <c>amount × remaining / period</c>, over whole microseconds (what PostgreSQL keeps), in 128-bit integers (no
/// overflow for a year's worth of microseconds times the largest amount), rounded half up.
/// </summary>
public static class Proration
{
    public static long Part(long amount, DateTime periodStart, DateTime periodEnd, DateTime now)
    {
        var total = Microseconds(periodEnd - periodStart);
        var remaining = Math.Clamp(Microseconds(periodEnd - now), 0, total);
        return Part(amount, remaining, total);
    }

    /// <summary><paramref name="amount"/> × <paramref name="remaining"/> / <paramref name="total"/>, rounded half up.</summary>
    public static long Part(long amount, long remaining, long total)
    {
        if (total <= 0 || remaining <= 0 || amount <= 0) return 0;
        var scaled = (Int128)amount * remaining;
        return (long)((2 * scaled + total) / (2 * (Int128)total));
    }

    private static long Microseconds(TimeSpan span) => span.Ticks / 10;
}
