using System.Text.RegularExpressions;
using Mesh.Referral.V1;

namespace Mesh.Referral.Coupons;

/// <summary>CreateCoupon's input checked field by field (INVALID_ARGUMENT naming each field), then as a row to store.</summary>
public static partial class CouponRequests
{
    public const int MaxTotalLimit = 1_000_000;
    public const long MaxAmount = 100_000_000_00; // as payment's ceiling on one amount

    [GeneratedRegex("^[A-Z0-9_-]{3,32}$")]
    private static partial Regex CodePattern();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();

    public static bool IsCode(string code) => CodePattern().IsMatch(code.ToUpperInvariant());

    public static CouponRow ToRow(Coupon? c, string createdBy, DateTime now)
    {
        var v = new FieldViolations();
        if (c is null)
        {
            v.Add("coupon", "is required").ThrowIfAny();
            return null!;
        }
        var code = c.Code.ToUpperInvariant();
        var currency = c.Currency.ToUpperInvariant();
        v.Check("coupon.code", code.Length == 0 ? "is required" : !CodePattern().IsMatch(code) ? "must be 3-32 of A-Z, 0-9, '-' and '_'" : null);
        switch (c.Kind)
        {
            case DiscountKind.Percent:
                v.Check("coupon.percent_off", c.PercentOff is < 1 or > 100 ? "must be between 1 and 100 for a PERCENT coupon" : null);
                v.Check("coupon.amount_off_minor", c.AmountOffMinor != 0 ? "must be empty for a PERCENT coupon" : null);
                break;
            case DiscountKind.Fixed:
                v.Check("coupon.amount_off_minor", c.AmountOffMinor is <= 0 or > MaxAmount ? $"must be between 1 and {MaxAmount} for a FIXED coupon" : null);
                v.Check("coupon.percent_off", c.PercentOff != 0 ? "must be empty for a FIXED coupon" : null);
                break;
            default:
                v.Add("coupon.kind", "must be PERCENT or FIXED");
                break;
        }
        var needsCurrency = c.Kind == DiscountKind.Fixed || c.MinSpendMinor != 0 || c.MaxDiscountMinor != 0;
        v.Check("coupon.currency", currency.Length == 0 ? (needsCurrency ? "is required for a FIXED coupon, a minimum spend or a maximum discount" : null)
            : !CurrencyPattern().IsMatch(currency) ? "must be an ISO-4217 code such as EUR" : null);
        v.Check("coupon.min_spend_minor", c.MinSpendMinor is < 0 or > MaxAmount ? $"must be between 0 and {MaxAmount}" : null);
        v.Check("coupon.max_discount_minor", c.MaxDiscountMinor is < 0 or > MaxAmount ? $"must be between 0 and {MaxAmount}" : null);
        var start = Time(v, "coupon.start_time", c.StartTime);
        var end = Time(v, "coupon.end_time", c.EndTime);
        if (start is not null && end is not null)
        {
            if (end <= start) v.Add("coupon.end_time", "must be after start_time");
            else if (end <= now) v.Add("coupon.end_time", "must be in the future");
        }
        v.Check("coupon.total_limit", c.TotalLimit is < 1 or > MaxTotalLimit ? $"must be between 1 and {MaxTotalLimit}" : null);
        v.Check("coupon.per_user_limit", c.PerUserLimit < 1 || (c.TotalLimit >= 1 && c.PerUserLimit > c.TotalLimit) ? "must be between 1 and total_limit" : null);
        var scope = c.Scope ?? new CouponScope();
        var city = OptionalUuid(v, "coupon.scope.city_id", scope.CityId);
        var show = OptionalUuid(v, "coupon.scope.show_id", scope.ShowId);
        v.Check("coupon.scope.category", scope.Category.Length > 40 ? "must be at most 40 characters" : null);
        v.Check("coupon.id", c.Id.Length > 0 ? "is output only" : null);
        v.Check("coupon.owner_id", c.OwnerId.Length > 0 ? "is output only" : null);
        v.Check("coupon.redeemed", c.Redeemed != 0 ? "is output only" : null);
        v.ThrowIfAny();

        return new CouponRow
        {
            Id = Guid.CreateVersion7(), Code = code, Kind = c.Kind == DiscountKind.Percent ? CouponKinds.Percent : CouponKinds.Fixed,
            PercentOff = c.PercentOff, AmountOffMinor = c.AmountOffMinor, Currency = currency, MinSpendMinor = c.MinSpendMinor,
            MaxDiscountMinor = c.MaxDiscountMinor, StartTime = start!.Value, EndTime = end!.Value, TotalLimit = c.TotalLimit,
            PerUserLimit = c.PerUserLimit, ScopeCityId = city, ScopeCategory = scope.Category.ToLowerInvariant(), ScopeShowId = show,
            FirstBookingOnly = scope.FirstBookingOnly, CreatedBy = createdBy, CreateTime = now,
        };
    }

    private static DateTime? Time(FieldViolations v, string field, Google.Protobuf.WellKnownTypes.Timestamp? t)
    {
        if (t is null) { v.Add(field, "is required"); return null; }
        if (t.Seconds < 0 || t.Seconds > 253402300799 || t.Nanos is < 0 or > 999_999_999) { v.Add(field, "must be a valid time"); return null; }
        var value = t.ToDateTime();
        return value.AddTicks(-(value.Ticks % 10));
    }

    private static Guid? OptionalUuid(FieldViolations v, string field, string value)
    {
        if (value.Length == 0) return null;
        if (Guid.TryParseExact(value, "D", out var id)) return id;
        v.Add(field, "must be a UUID");
        return null;
    }
}
