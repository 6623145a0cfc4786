using Mesh.Referral.V1;

namespace Mesh.Booking.Bookings;

/// <summary>
/// Coupons through the referral service (ReserveRedemption / ReleaseRedemption over gRPC, as the checking-out user:
/// their bearer token forwarded). Referral's refusals (FAILED_PRECONDITION with a COUPON_* reason, INVALID_ARGUMENT)
/// reach the checkout's caller as they are; referral unreachable is UNAVAILABLE — the checkout is refused and nothing
/// is charged (a reservation made by a call whose answer was lost expires in referral by its TTL).
/// </summary>
public sealed class ReferralDiscounts(Referrals.ReferralsClient referral, ILogger<ReferralDiscounts> logger) : IDiscountStep
{
    public async Task<long> ReserveAsync(DiscountRequest request, CancellationToken cancellationToken)
    {
        if (request.CouponCode.Length == 0) return 0;
        var redemption = await referral.ReserveRedemptionAsync(new ReserveRedemptionRequest
        {
            BookingId = request.BookingId.ToString(), Code = request.CouponCode, AmountMinor = request.AmountMinor, Currency = request.Currency,
            ShowId = request.ShowId?.ToString() ?? "", CityId = request.CityId, Category = request.Category,
        }, Headers(request.Authorization), cancellationToken: cancellationToken);
        return redemption.DiscountMinor;
    }

    public async Task ReleaseAsync(Guid bookingId, string? authorization, CancellationToken cancellationToken)
    {
        try
        {
            await referral.ReleaseRedemptionAsync(new ReleaseRedemptionRequest { BookingId = bookingId.ToString() }, Headers(authorization), cancellationToken: cancellationToken);
        }
        catch (RpcException e)
        {
            // Not lost: referral releases a reservation nobody confirmed when its TTL passes.
            logger.LogWarning("Releasing the coupon reservation of unwritten booking {BookingId} failed ({Status}); it expires in referral", bookingId, e.StatusCode);
        }
    }

    private static Metadata Headers(string? authorization) => authorization is null ? new Metadata() : new Metadata { { "authorization", authorization } };
}
