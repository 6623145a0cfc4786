using Mesh.Ads.Campaigns;
using Mesh.Ads.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Ads;

/// <summary>Serving: ad selection for the feed and clicks from viewers.</summary>
public sealed partial class AdsApi
{
    private const int MaxSlots = 5;

    /// <summary>
    /// Internal (no REST route). The viewer is the caller's token (the feed forwards the user's own) or, without one, the
    /// device id: a caller cannot use up someone else's frequency cap, so user_id, when given, must be the caller.
    /// </summary>
    public override async Task<SelectAdsResponse> SelectAds(SelectAdsRequest request, ServerCallContext context)
    {
        var user = context.GetUser();
        var violations = new FieldViolations();
        if (string.IsNullOrWhiteSpace(request.City)) violations.Add("city", "is required");
        else violations.MaxLength("city", request.City, 100);
        if (request.Slots is < 1 or > MaxSlots) violations.Add("slots", $"must be between 1 and {MaxSlots}");
        violations.MaxLength("device_id", request.DeviceId, 200);
        if (request.Genres.Count > CampaignInput.MaxTargets) violations.Add("genres", $"must have at most {CampaignInput.MaxTargets} entries");
        if (request.Categories.Count > CampaignInput.MaxTargets) violations.Add("categories", $"must have at most {CampaignInput.MaxTargets} entries");
        violations.ThrowIfAny();
        if (request.UserId.Length > 0 && request.UserId != user?.Subject)
            throw new RpcException(new Status(StatusCode.PermissionDenied, "user_id must be the caller's own (the token's subject)."));

        var ads = await selector.SelectAsync(user?.Subject ?? "", request.DeviceId, request.City.Trim(),
            CampaignInput.Normalize(request.Genres), CampaignInput.Normalize(request.Categories), request.Slots, context.CancellationToken);
        return new SelectAdsResponse { Ads = { ads } };
    }

    /// <summary>Public: anyone who was shown the ad may click it; the impression id is the unguessable proof of that.</summary>
    public override async Task<RecordClickResponse> RecordClick(RecordClickRequest request, ServerCallContext context)
    {
        var id = FieldViolations.RequireUuid("impression_id", request.ImpressionId);
        var user = context.GetUser();
        var outcome = await serving.ClickAsync(id, user?.Subject ?? "", "", options.Currency, time.GetUtcNow().UtcDateTime, context.CancellationToken)
            ?? throw AdsErrors.ImpressionNotFound(request.ImpressionId);
        return new RecordClickResponse
        {
            ImpressionId = request.ImpressionId, CampaignId = outcome.CampaignId.ToString(), TargetUrl = outcome.TargetUrl, FirstClick = outcome.FirstClick,
        };
    }
}
