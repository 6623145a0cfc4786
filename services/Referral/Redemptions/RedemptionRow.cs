namespace Mesh.Referral.Redemptions;

/// <summary>A redemption as stored: one per booking, RESERVED → CONFIRMED or RELEASED (a CONFIRMED one may be given back: RELEASED).</summary>
public sealed class RedemptionRow
{
    public Guid Id { get; set; }
    public Guid BookingId { get; set; }
    public Guid CouponId { get; set; }
    public string Code { get; set; } = "";
    public string UserId { get; set; } = "";
    public long DiscountMinor { get; set; }
    public string Currency { get; set; } = "";
    public string State { get; set; } = RedemptionStates.Reserved;
    public DateTime ReserveTime { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? SettleTime { get; set; }
    public string? ReleaseReason { get; set; }
}

public static class RedemptionStates
{
    public const string Reserved = "RESERVED";
    public const string Confirmed = "CONFIRMED";
    public const string Released = "RELEASED";
}

/// <summary>Why a redemption was released (redemptions.release_reason).</summary>
public static class ReleaseReasons
{
    /// <summary>Booking failed (payment refused, timed out, places lost): booking.failed.</summary>
    public const string BookingFailed = "BOOKING_FAILED";
    /// <summary>The checkout never wrote its booking (refused after the reservation): the saga released it.</summary>
    public const string NotBooked = "NOT_BOOKED";
    /// <summary>Nobody confirmed it before its TTL (a saga that crashed, or a booking still pending): the sweeper released it.</summary>
    public const string Expired = "EXPIRED";
    /// <summary>The booking was cancelled with a refund: the redemption is given back (policy, ADR 0009).</summary>
    public const string CancelledWithRefund = "BOOKING_CANCELLED_REFUNDED";
    /// <summary>
    /// The booking was confirmed after its reservation had expired and the coupon had been used up meanwhile: the
    /// booking keeps its discount, the coupon's limit still holds (this redemption is not counted). Rare; listed by this reason.
    /// </summary>
    public const string ConfirmedOverLimit = "CONFIRMED_AFTER_EXPIRY_OVER_LIMIT";
}
