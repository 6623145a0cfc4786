using System.Security.Cryptography;
using Mesh.Referral.Coupons;
using Mesh.Users.V1;

namespace Mesh.Referral.Referrals;

/// <summary>
/// The referral rules: a code per user (made on the first ask), one claim per invitee — never of one's own code, only
/// by an account younger than <see cref="ReferralOptions.ClaimWindow"/> (its creation time from the users service, as
/// the caller) — and a reward to both sides once the invitee's first booking is confirmed and has started (no longer
/// cancellable), within the referrer's cap, unless the two have saved the same payment card (a card fingerprint from
/// payment's payment_method.saved; checked at the claim if known by then, and again when the reward is due).
/// Refusals are FAILED_PRECONDITION with a REFERRAL_* reason.
/// </summary>
public sealed class ReferralProgram(ReferralsStore store, Mesh.Users.V1.Users.UsersClient users, ReferralOptions options, TimeProvider time)
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O or 1/I: codes are read aloud and typed

    private DateTime Now => Mesh.Referral.Redemptions.CouponRedemptions.Microseconds(time.GetUtcNow().UtcDateTime);

    public async Task<string> CodeOfAsync(string userId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await store.CodeOfAsync(userId, NewCode(), Now, cancellationToken) is { } code) return code;
            if (attempt >= 5) throw new RpcException(new Status(StatusCode.Unavailable, "No free referral code was found; try again."));
        }
    }

    public async Task<ReferralRow> ClaimAsync(string inviteeId, string code, string? authorization, CancellationToken cancellationToken)
    {
        var referrerId = await store.OwnerOfCodeAsync(code.ToUpperInvariant(), cancellationToken)
            ?? throw Refused(ReferralReasons.UnknownCode, $"No referral code \"{code}\" exists.");
        if (referrerId == inviteeId) throw Refused(ReferralReasons.OwnCode, "You cannot claim your own referral code.");
        if (await store.FindByInviteeAsync(inviteeId, cancellationToken) is not null) throw AlreadyClaimed();
        // Known already (both have saved the same card): refused now rather than at reward time.
        if (await store.ShareACardAsync(referrerId, inviteeId, cancellationToken))
            throw Refused(ReferralReasons.SharedPaymentCard, "You and the owner of this code have saved the same payment card; such a referral earns no reward.");
        var created = await AccountCreatedAsync(authorization, cancellationToken);
        if (Now - created > options.ClaimWindow)
            throw Refused(ReferralReasons.AccountTooOld, $"Only accounts younger than {options.ClaimWindow.TotalDays:0.#} days can claim a referral code.");
        var referral = new ReferralRow { Id = Guid.CreateVersion7(), ReferrerId = referrerId, InviteeId = inviteeId, Code = code.ToUpperInvariant(), ClaimTime = Now };
        // A concurrent second claim of the same invitee loses on the unique invitee_id.
        return await store.InsertAsync(referral, cancellationToken) ? referral : throw AlreadyClaimed();
    }

    /// <summary>Grants (or refuses by the cap) every reward that is due: one round of <see cref="Workers.RewardGrants"/>.</summary>
    public async Task<int> GrantDueAsync(CancellationToken cancellationToken)
    {
        var granted = 0;
        var now = Now;
        foreach (var id in await store.ListDueAsync(now, 100, cancellationToken))
            if (await store.GrantAsync(id, now, options.MaxRewardsPerReferrer, owner => Reward(owner, now), now, cancellationToken) == RewardStates.Granted) granted++;
        return granted;
    }

    /// <summary>A reward coupon: a fixed amount off, redeemable once and by its owner only.</summary>
    private CouponRow Reward(string ownerId, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(), Code = "REF-" + NewCode(), Kind = CouponKinds.Fixed, AmountOffMinor = options.RewardAmountMinor, Currency = options.RewardCurrency,
        StartTime = now, EndTime = now + options.RewardValidity, TotalLimit = 1, PerUserLimit = 1, OwnerId = ownerId, CreatedBy = "referral", CreateTime = now,
    };

    /// <summary>When the caller's account was made (users service, GetMe with the caller's own token).</summary>
    private async Task<DateTime> AccountCreatedAsync(string? authorization, CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (authorization is not null) headers.Add("authorization", authorization);
        var me = await users.GetMeAsync(new GetMeRequest(), headers, cancellationToken: cancellationToken);
        return me.CreateTime?.ToDateTime() ?? throw new RpcException(new Status(StatusCode.Unavailable, "The users service did not say when the account was made."));
    }

    private static string NewCode() => RandomNumberGenerator.GetString(Alphabet, 8);

    private static RpcException AlreadyClaimed() => Refused(ReferralReasons.AlreadyClaimed, "You have claimed a referral code already.");

    private static RpcException Refused(string reason, string message) => CouponErrors.Error(Google.Rpc.Code.FailedPrecondition, reason, message);
}
