using Mesh.Referral.Referrals;
using Mesh.Referral.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Referral;

/// <summary>The referral half of the endpoint: codes, claims, and the caller's invitees with their rewards.</summary>
public sealed partial class ReferralsApi
{
    public override async Task<ReferralCode> GetReferralCode(GetReferralCodeRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var code = await program.CodeOfAsync(user.Subject, context.CancellationToken);
        return new ReferralCode { Code = code, Claims = await referrals.ClaimsOfAsync(user.Subject, context.CancellationToken) };
    }

    public override async Task<V1.Referral> ClaimReferral(ClaimReferralRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        new FieldViolations()
            .Check("code", request.Code.Length == 0 ? "is required" : request.Code.Length > MaxCodeLength ? $"must be at most {MaxCodeLength} characters" : null)
            .ThrowIfAny();
        var claimed = await program.ClaimAsync(user.Subject, request.Code, context.RequestHeaders.GetValue("authorization"), context.CancellationToken);
        return ToProto(claimed, user.Subject);
    }

    public override async Task<ListReferralsResponse> ListReferrals(ListReferralsRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var (size, after) = Page(request.PageSize, request.PageToken);
        var rows = await referrals.ListAsync(user.Subject, after, size + 1, context.CancellationToken);
        var response = new ListReferralsResponse();
        response.Referrals.AddRange(rows.Take(size).Select(r => ToProto(r, user.Subject)));
        if (rows.Count > size) response.NextPageToken = PageToken.Format(rows[size - 1].ClaimTime, rows[size - 1].Id);
        return response;
    }

    /// <summary>Each side sees only its own reward coupon's code.</summary>
    private static V1.Referral ToProto(ReferralRow r, string viewer)
    {
        var referral = new V1.Referral
        {
            Id = r.Id.ToString(), ReferrerId = r.ReferrerId, InviteeId = r.InviteeId, ClaimTime = Time(r.ClaimTime), RewardReason = r.RewardReason ?? "",
            ReferrerCouponCode = viewer == r.ReferrerId ? r.ReferrerCouponCode ?? "" : "",
            InviteeCouponCode = viewer == r.InviteeId ? r.InviteeCouponCode ?? "" : "",
            RewardState = r.RewardState switch
            {
                RewardStates.Waiting => RewardState.Waiting,
                RewardStates.Granted => RewardState.Granted,
                _ => RewardState.Refused,
            },
        };
        if (r.RewardTime is { } at) referral.RewardTime = Time(at);
        return referral;
    }
}
