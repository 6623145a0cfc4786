namespace Mesh.Referral.Referrals;

/// <summary>A referral as stored: an invitee's claim of a referrer's code and the state of its reward.</summary>
public sealed class ReferralRow
{
    public Guid Id { get; set; }
    public string ReferrerId { get; set; } = "";
    public string InviteeId { get; set; } = "";
    public string Code { get; set; } = "";
    public DateTime ClaimTime { get; set; }
    public string RewardState { get; set; } = RewardStates.Waiting;
    public string? RewardReason { get; set; }
    public Guid? FirstBookingId { get; set; }
    public string? ReferrerCouponCode { get; set; }
    public string? InviteeCouponCode { get; set; }
    public DateTime? RewardTime { get; set; }
}

public static class RewardStates
{
    public const string Waiting = "WAITING";
    public const string Granted = "GRANTED";
    public const string Refused = "REFUSED";
}

/// <summary>Why a claim or a reward is refused (ErrorInfo reasons and referrals.reward_reason).</summary>
public static class ReferralReasons
{
    public const string UnknownCode = "REFERRAL_UNKNOWN_CODE";
    public const string OwnCode = "REFERRAL_OWN_CODE";
    public const string AlreadyClaimed = "REFERRAL_ALREADY_CLAIMED";
    public const string AccountTooOld = "REFERRAL_ACCOUNT_TOO_OLD";
    public const string RewardCap = "REFERRAL_REWARD_CAP";
    public const string FirstBookingCancelled = "REFERRAL_FIRST_BOOKING_CANCELLED";
    public const string SharedPaymentCard = "REFERRAL_SHARED_PAYMENT_CARD";
}
