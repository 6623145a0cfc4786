namespace Mesh.Booking.Bookings;

/// <summary>The business errors of checkout and bookings: google.rpc.Status with an ErrorInfo (reason + metadata), like <see cref="HoldErrors"/>.</summary>
public static class BookingErrors
{
    public static RpcException BookingNotFound(string id) => new(new Status(StatusCode.NotFound, $"No booking \"{id}\" of yours exists."));

    public static RpcException HoldNotActive(Guid holdId, string state) =>
        Error(Google.Rpc.Code.FailedPrecondition, "HOLD_NOT_ACTIVE", $"The hold is {state}; hold the seats again.", ("hold_id", holdId.ToString()));

    public static RpcException CouponNotAccepted(string code) =>
        Error(Google.Rpc.Code.FailedPrecondition, "COUPON_NOT_ACCEPTED", "This booking service runs without the referral service: no coupons are accepted; check out without coupon_code.", ("coupon_code", code));

    public static RpcException KeyReused() =>
        Error(Google.Rpc.Code.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was used for a different checkout; use a new key for a new checkout.");

    public static RpcException NotCancellable(Guid bookingId, string why) =>
        Error(Google.Rpc.Code.FailedPrecondition, "BOOKING_NOT_CANCELLABLE", $"The booking {why}.", ("booking_id", bookingId.ToString()));

    private static RpcException Error(Google.Rpc.Code code, string reason, string message, params (string Key, string Value)[] metadata)
    {
        var info = new Google.Rpc.ErrorInfo { Reason = reason, Domain = HoldErrors.Domain };
        foreach (var (key, value) in metadata) info.Metadata[key] = value;
        return new Google.Rpc.Status { Code = (int)code, Message = message }.WithDetail(info).ToRpcException();
    }
}
