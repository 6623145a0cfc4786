using Mesh.Ads.Auction;
using Mesh.Ads.Campaigns;
using Mesh.Ads.V1;

namespace Mesh.Ads.Serving;

/// <summary>
/// Fills a request's slots one after another: the eligible campaigns (store) whose paced allowance is not used up are
/// ranked by the second-price auction; the best is served at its price; when serving fails (its budget or the viewer's
/// cap was taken by a concurrent request meanwhile) the slot goes to the next. A campaign fills at most one slot of a
/// request.
/// </summary>
public sealed class AdSelector(ServingStore store, AdsOptions options, TimeProvider time)
{
    public async Task<IReadOnlyList<ServedAd>> SelectAsync(string userId, string deviceId, string city, string[] genres, string[] categories, int slots,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var day = now.Date;
        var viewer = userId.Length > 0 ? $"user:{userId}" : deviceId.Length > 0 ? $"device:{deviceId}" : "";
        var candidates = await store.CandidatesAsync(city, genres, categories, viewer, day, now, options.FrequencyCap, cancellationToken);

        var allowed = new Dictionary<Guid, (ServingStore.Candidate Campaign, long Budget, long Allowed)>();
        var bidders = new List<Bidder>();
        foreach (var c in candidates)
        {
            var budget = c.DailyBudgetMinor * 1000;
            var allowance = Pacing.AllowedMilli(budget, now, options.PacingAhead);
            if (c.SpentMilli >= allowance) continue;
            allowed[c.Id] = (c, budget, allowance);
            var ctr = (double)(c.Clicks + options.PriorClicks) / (c.Impressions + options.PriorImpressions);
            bidders.Add(new Bidder(c.Id, c.BidType == "CPC", c.BidMinor, ctr));
        }

        var pool = SecondPriceAuction.Rank(bidders, options.ReservePriceCpm).ToList();
        var served = new List<ServedAd>();
        for (var slot = 0; slot < slots && pool.Count > 0; slot++)
        {
            while (pool.Count > 0)
            {
                var price = SecondPriceAuction.Price(pool, 0, options.ReservePriceCpm);
                var winner = pool[0];
                pool.RemoveAt(0);
                var (campaign, budget, allowance) = allowed[winner.CampaignId];
                var impression = Guid.CreateVersion7();
                var ok = await store.ServeAsync(new ServingStore.Serve(impression, winner.CampaignId, day, viewer, userId, deviceId, city, slot,
                    price.ImpressionMilli, price.ClickMilli, budget, allowance, campaign.Currency, now), options.FrequencyCap, cancellationToken);
                if (!ok) continue;
                served.Add(new ServedAd
                {
                    ImpressionId = impression.ToString(), CampaignId = winner.CampaignId.ToString(), Slot = slot,
                    Creative = CampaignInput.ParseCreative(campaign.Creative),
                });
                break;
            }
        }
        return served;
    }
}
