namespace Mesh.Payment.Subscriptions;

/// <summary>Where a recurring charge task is: waiting in the queue, done (charged, declined or ended), or skipped (stale).</summary>
public static class ChargeTaskStates
{
    public const string Enqueued = "enqueued";
    public const string Done = "done";
    public const string Skipped = "skipped";
}

/// <summary>
/// One due recurring charge: a subscription period's attempt, or an instalment's (exactly one owner is set). Its id
/// is also the payment id and provider reference.
/// </summary>
public sealed class ChargeTaskRecord
{
    public Guid Id { get; set; }
    public Guid? SubscriptionId { get; set; }
    public Guid? InstalmentPlanId { get; set; }
    /// <summary>The subscription period it pays for, or the instalment's due time.</summary>
    public DateTime PeriodStart { get; set; }
    public int Attempt { get; set; }
    public string Status { get; set; } = ChargeTaskStates.Enqueued;
    public DateTime CreateTime { get; set; }
    public DateTime EnqueueTime { get; set; }
}

/// <summary>
/// The queue message of a recurring charge (type <see cref="Type"/>, queue <see cref="Queue"/>): names the task row,
/// which holds what is to be charged; the consumer checks it against the subscription before charging.
/// </summary>
public sealed record RecurringChargeRequested(Guid TaskId, Guid? SubscriptionId, Guid? InstalmentPlanId, DateTime PeriodStart, int Attempt)
{
    public const string Type = "payment.recurring_charge_requested";
    public const string Queue = "payment.recurring-charges";

    /// <summary>Declared by payment's relay as well, so a task enqueued before the consumer first started is kept.</summary>
    public static Dictionary<string, string[]> Queues => new() { [Queue] = [Type] };
}
