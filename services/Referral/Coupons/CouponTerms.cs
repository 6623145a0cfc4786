namespace Mesh.Referral.Coupons;

/// <summary>
/// What a coupon takes off a booking, or why it is refused — the one rule ValidateCoupon previews and
/// ReserveRedemption applies. Limits are not checked here (the database holds them when a redemption is reserved);
/// the exhausted check here is only for the preview.
/// </summary>
public static class CouponTerms
{
    /// <param name="hasBookedBefore">Whether the user has a confirmed booking already (first_booking_only coupons).</param>
    public static long Discount(CouponRow c, BookingFacts booking, DateTime now, bool hasBookedBefore)
    {
        if (c.OwnerId is not null && c.OwnerId != booking.UserId) throw CouponErrors.Unknown(c.Code);
        if (now < c.StartTime) throw CouponErrors.NotStarted(c.Code, c.StartTime);
        if (now >= c.EndTime) throw CouponErrors.Expired(c.Code);
        if (c.Currency.Length > 0 && !string.Equals(c.Currency, booking.Currency, StringComparison.OrdinalIgnoreCase)) throw CouponErrors.Currency(c.Code, c.Currency);
        if (c.ScopeShowId is { } show && !string.Equals(show.ToString(), booking.ShowId, StringComparison.OrdinalIgnoreCase))
            throw CouponErrors.OutOfScope(c.Code, "it is for another show");
        if (c.ScopeCityId is { } city && !string.Equals(city.ToString(), booking.CityId, StringComparison.OrdinalIgnoreCase))
            throw CouponErrors.OutOfScope(c.Code, "it is for another city");
        if (c.ScopeCategory.Length > 0 && !string.Equals(c.ScopeCategory, booking.Category, StringComparison.OrdinalIgnoreCase))
            throw CouponErrors.OutOfScope(c.Code, $"it is for {c.ScopeCategory} only");
        if (c.FirstBookingOnly && hasBookedBefore) throw CouponErrors.OutOfScope(c.Code, "it is for a first booking only");
        if (booking.AmountMinor < c.MinSpendMinor) throw CouponErrors.MinimumSpend(c.Code, c.MinSpendMinor, c.Currency);

        // Floor: a percentage never takes a fraction of a minor unit more than it says.
        var off = c.Kind == CouponKinds.Percent ? booking.AmountMinor * c.PercentOff / 100 : c.AmountOffMinor;
        if (c.MaxDiscountMinor > 0) off = Math.Min(off, c.MaxDiscountMinor);
        off = Math.Min(off, booking.AmountMinor);
        return off > 0 ? off : throw CouponErrors.NothingOff(c.Code);
    }
}
