namespace Mesh.Payment.Instalments;

public static class InstalmentPlanStates
{
    /// <summary>The first instalment is still PROCESSING: nothing is scheduled until it settles (active, or defaulted when declined).</summary>
    public const string Incomplete = "incomplete";
    public const string Active = "active";
    public const string PastDue = "past_due";
    public const string Completed = "completed";
    public const string Defaulted = "defaulted";
}

/// <summary>A total paid in instalments on a saved method, as stored.</summary>
public sealed class InstalmentPlanRecord
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public Guid PaymentMethodId { get; set; }
    public long TotalAmount { get; set; }
    public string Currency { get; set; } = "";
    public int Instalments { get; set; }
    public string Interval { get; set; } = "month";
    public string Description { get; set; } = "";
    public string Status { get; set; } = InstalmentPlanStates.Active;
    public int InstalmentsPaid { get; set; }
    /// <summary>When the next unpaid instalment fell (or falls) due.</summary>
    public DateTime DueTime { get; set; }
    public DateTime? NextChargeTime { get; set; }
    public int FailedAttempts { get; set; }
    public DateTime CreateTime { get; set; }
    public DateTime UpdateTime { get; set; }

    /// <summary>
    /// Instalment <paramref name="number"/> (1-based): the total split evenly in integer minor units, the first one
    /// taking the remainder, so they always add up to the total.
    /// </summary>
    public long AmountOf(int number)
    {
        var each = TotalAmount / Instalments;
        return number == 1 ? TotalAmount - each * (Instalments - 1) : each;
    }
}

/// <summary>A payment's row in instalment_charges: which instalment (and try) it pays.</summary>
public sealed class InstalmentChargeLink
{
    public Guid InstalmentPlanId { get; set; }
    public int Instalment { get; set; }
    public int Attempt { get; set; }
}
