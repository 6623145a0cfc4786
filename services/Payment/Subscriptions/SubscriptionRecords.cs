namespace Mesh.Payment.Subscriptions;

public static class SubscriptionStates
{
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
