using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Ads.Events;

/// <summary>
/// What ads publishes on mesh.events through its outbox, in the transaction that records (and bills) the impression or
/// click: "ad.impression" and "ad.clicked" (the analytics service counts them). JSON with PascalCase names, like the
/// other services' events. Prices are in thousandths of a minor unit.
/// </summary>
public static class AdEvents
{
    public const string ImpressionType = "ad.impression";
    public const string ClickedType = "ad.clicked";

    public sealed record AdImpression(Guid ImpressionId, Guid CampaignId, string UserId, string DeviceId, string CityId, int Slot,
        long PriceMilli, string Currency, DateTime Time);

    public sealed record AdClicked(Guid ImpressionId, Guid CampaignId, string UserId, string DeviceId, string CityId, long BilledMilli,
        string Currency, DateTime Time);

    public static OutboxMessage Impression(AdImpression e) => OutboxMessage.Json(ImpressionType, e);

    public static OutboxMessage Clicked(AdClicked e) => OutboxMessage.Json(ClickedType, e);
}
