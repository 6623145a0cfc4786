namespace Mesh.Referral.Coupons;

/// <summary>Why a coupon is refused: FAILED_PRECONDITION with a google.rpc.ErrorInfo reason and the code in its metadata.</summary>
public static class CouponErrors
{
    public const string Domain = "referral.mesh";

    public static RpcException Unknown(string code) => Refused("COUPON_UNKNOWN", $"No coupon \"{code}\" exists for you.", code);
    public static RpcException NotStarted(string code, DateTime start) => Refused("COUPON_NOT_STARTED", $"The coupon is valid from {start:O}.", code);
    public static RpcException Expired(string code) => Refused("COUPON_EXPIRED", "The coupon has expired.", code);
    public static RpcException Exhausted(string code) => Refused("COUPON_EXHAUSTED", "The coupon has been used as often as it may be.", code);
    public static RpcException UserLimit(string code) => Refused("COUPON_USER_LIMIT", "You have used this coupon as often as you may.", code);
    public static RpcException OutOfScope(string code, string why) => Refused("COUPON_OUT_OF_SCOPE", $"The coupon does not apply here: {why}.", code);
    public static RpcException MinimumSpend(string code, long min, string currency) => Refused("COUPON_MINIMUM_SPEND", $"The coupon needs a spend of at least {min} {currency} (minor units).", code);
    public static RpcException Currency(string code, string currency) => Refused("COUPON_CURRENCY", $"The coupon applies to amounts in {currency} only.", code);
    public static RpcException NothingOff(string code) => Refused("COUPON_NOTHING_OFF", "The coupon takes nothing off this amount.", code);

    public static RpcException CodeTaken(string code) => new(new Status(StatusCode.AlreadyExists, $"A coupon with code \"{code}\" exists already."));

    public static RpcException Error(Google.Rpc.Code status, string reason, string message, params (string Key, string Value)[] metadata)
    {
        var info = new Google.Rpc.ErrorInfo { Reason = reason, Domain = Domain };
        foreach (var (key, value) in metadata) info.Metadata[key] = value;
        return new Google.Rpc.Status { Code = (int)status, Message = message }.WithDetail(info).ToRpcException();
    }

    private static RpcException Refused(string reason, string message, string code) =>
        Error(Google.Rpc.Code.FailedPrecondition, reason, message, ("coupon_code", code));
}
