namespace Mesh.Payment.Subscriptions;

public static class SubscriptionStates
{
    /// <summary>The first charge is still PROCESSING: not paid yet, not charged again; active (or canceled) once it settles.</summary>
    public const string Incomplete = "incomplete";
    public const string Trialing = "trialing";
    public const string Active = "active";
    public const string PastDue = "past_due";
    public const string Canceled = "canceled";
}

public sealed class PlanRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public long Amount { get; set; }
    public string Currency { get; set; } = "";
    public string Interval { get; set; } = "month";
    public int TrialDays { get; set; }
}

public sealed class SubscriptionRecord
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public string PlanId { get; set; } = "";
    public Guid PaymentMethodId { get; set; }
    public string Status { get; set; } = SubscriptionStates.Trialing;
    public DateTime CurrentPeriodStart { get; set; }
    public DateTime CurrentPeriodEnd { get; set; }
    public bool CancelAtPeriodEnd { get; set; }
    public int FailedAttempts { get; set; }
    public DateTime? NextAttemptTime { get; set; }
    public DateTime CreateTime { get; set; }
    public DateTime UpdateTime { get; set; }
}

/// <summary>A payment's row in subscription_charges: the period (and try) it pays for; kind initial, renewal or proration.</summary>
public sealed class SubscriptionChargeLink
{
    public Guid SubscriptionId { get; set; }
    public DateTime PeriodStart { get; set; }
    public int Attempt { get; set; }
    public string Kind { get; set; } = "";
}
