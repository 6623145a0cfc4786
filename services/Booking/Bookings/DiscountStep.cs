namespace Mesh.Booking.Bookings;

/// <summary>
/// The seam where coupons and referral credits will reduce a checkout's amount (referral service, a later issue).
/// Returns the discount in minor units (0 ≤ discount ≤ amount) or throws a FAILED_PRECONDITION for a code it refuses.
/// </summary>
public interface IDiscountStep
{
    Task<long> DiscountAsync(string userId, string couponCode, long amountMinor, string currency, CancellationToken cancellationToken);
}

/// <summary>Until the referral service exists: no discounts, and any coupon code is refused (COUPON_NOT_ACCEPTED) rather than ignored.</summary>
public sealed class NoDiscounts : IDiscountStep
{
    public Task<long> DiscountAsync(string userId, string couponCode, long amountMinor, string currency, CancellationToken cancellationToken) =>
        couponCode.Length == 0 ? Task.FromResult(0L) : throw BookingErrors.CouponNotAccepted(couponCode);
}
