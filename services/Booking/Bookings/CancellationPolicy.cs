namespace Mesh.Booking.Bookings;

/// <summary>One row of cancellation_rules: applies while at least <see cref="MinNotice"/> is left before the start.</summary>
public sealed record CancellationRule(TimeSpan MinNotice, int RefundPercent, long FeeMinor, string Description);

/// <summary>What cancelling at one instant refunds, by the policy.</summary>
public sealed record CancellationTerms(bool Cancellable, long RefundMinor, long FeeMinor, string Rule, DateTime? ValidUntil);

/// <summary>
/// The cancellation policy, held as data (cancellation_rules) and evaluated here: the rule with the largest notice
/// that the time left before the start still reaches applies; the refund is its percentage of what was paid, less
/// its fee, never below zero. A booking that is not CONFIRMED, or whose show or slot has started, is not cancellable.
/// </summary>
public static class CancellationPolicy
{
    public static CancellationTerms Quote(IReadOnlyList<CancellationRule> rules, BookingRow booking, DateTime now)
    {
        if (booking.Status != BookingStates.Confirmed) return new(false, 0, 0, $"a {booking.Status.ToLowerInvariant()} booking cannot be cancelled", null);
        if (now >= booking.StartsAt) return new(false, 0, 0, "the start has passed", null);
        var left = booking.StartsAt - now;
        var ordered = rules.OrderByDescending(r => r.MinNotice).ToList();
        var index = ordered.FindIndex(r => left >= r.MinNotice);
        if (index < 0) return new(true, 0, 0, "no rule applies: no refund", booking.StartsAt);
        var rule = ordered[index];
        var paid = booking.AmountMinor;
        var gross = paid * rule.RefundPercent / 100;            // floor: never refunds a fraction of a minor unit more
        var fee = Math.Min(rule.FeeMinor, gross);
        // The rule holds while the time left reaches its notice: until start − notice (the last rule: until the start).
        var validUntil = rule.MinNotice > TimeSpan.Zero ? booking.StartsAt - rule.MinNotice : booking.StartsAt;
        return new(true, gross - fee, fee, rule.Description, validUntil);
    }
}
