namespace Mesh.Referral.Coupons;

/// <summary>A coupon as stored (coupons).</summary>
public sealed class CouponRow
{
    public Guid Id { get; set; }
    public string Code { get; set; } = "";
    public string Kind { get; set; } = CouponKinds.Percent;
    public int PercentOff { get; set; }
    public long AmountOffMinor { get; set; }
    public string Currency { get; set; } = "";
    public long MinSpendMinor { get; set; }
    public long MaxDiscountMinor { get; set; }
    public DateTime StartTime { get; set; }
    public DateTime EndTime { get; set; }
    public int TotalLimit { get; set; }
    public int PerUserLimit { get; set; }
    public int Redeemed { get; set; }
    public Guid? ScopeCityId { get; set; }
    public string ScopeCategory { get; set; } = "";
    public Guid? ScopeShowId { get; set; }
    public bool FirstBookingOnly { get; set; }
    public string? OwnerId { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTime CreateTime { get; set; }
}

public static class CouponKinds
{
    public const string Percent = "PERCENT";
    public const string Fixed = "FIXED";
}

/// <summary>What a booking is of, for a coupon's scope (empty strings when not known).</summary>
public sealed record BookingFacts(string UserId, long AmountMinor, string Currency, string ShowId, string CityId, string Category);
