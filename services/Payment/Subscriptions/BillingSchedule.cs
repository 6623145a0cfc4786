namespace Mesh.Payment.Subscriptions;

/// <summary>
/// The calendar of subscriptions, as plain rules: how long a period is, and the dunning schedule — after a failed
/// renewal the charge is retried 1, 3 and 7 days after the period ended (4 tries over 7 days), then the subscription
/// is canceled.
/// </summary>
public static class BillingSchedule
{
    public static readonly TimeSpan[] RetryAfter = [TimeSpan.FromDays(1), TimeSpan.FromDays(3), TimeSpan.FromDays(7)];

    /// <summary>Tries in all (the renewal itself plus the retries).</summary>
    public static int MaxAttempts => RetryAfter.Length + 1;

    public static DateTime PeriodEnd(DateTime start, string interval) => interval == "year" ? start.AddYears(1) : start.AddMonths(1);

    /// <summary>When to try again after <paramref name="failedAttempts"/> failures, or null when dunning is exhausted.</summary>
    public static DateTime? NextAttempt(DateTime periodEnd, int failedAttempts) =>
        failedAttempts >= 1 && failedAttempts <= RetryAfter.Length ? periodEnd + RetryAfter[failedAttempts - 1] : null;
}
