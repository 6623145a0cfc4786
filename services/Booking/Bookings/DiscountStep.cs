namespace Mesh.Booking.Bookings;

/// <summary>What the checkout saga knows when it asks for a coupon's discount: the booking it is about to write and what it is of.</summary>
public sealed record DiscountRequest(Guid BookingId, string UserId, string CouponCode, long AmountMinor, string Currency,
    Guid? ShowId, string CityId, string Category, string? Authorization);

/// <summary>
/// Where coupons reduce a checkout's amount. <see cref="ReserveAsync"/> reserves one redemption of the coupon for the
/// booking about to be written (idempotent per booking id) and returns the discount in minor units
/// (0 ≤ discount ≤ amount), or throws FAILED_PRECONDITION for a code it refuses. The reservation is confirmed or
/// released by booking's own events (booking.confirmed / booking.failed / booking.cancelled) and expires by itself
/// when nobody does either; <see cref="ReleaseAsync"/> gives it back at once when the booking was never written.
/// </summary>
public interface IDiscountStep
{
    Task<long> ReserveAsync(DiscountRequest request, CancellationToken cancellationToken);

    Task ReleaseAsync(Guid bookingId, string? authorization, CancellationToken cancellationToken);
}

/// <summary>Without the referral service (booking run alone): no discounts, and any coupon code is refused (COUPON_NOT_ACCEPTED) rather than ignored.</summary>
public sealed class NoDiscounts : IDiscountStep
{
    public Task<long> ReserveAsync(DiscountRequest request, CancellationToken cancellationToken) =>
        request.CouponCode.Length == 0 ? Task.FromResult(0L) : throw BookingErrors.CouponNotAccepted(request.CouponCode);

    public Task ReleaseAsync(Guid bookingId, string? authorization, CancellationToken cancellationToken) => Task.CompletedTask;
}
