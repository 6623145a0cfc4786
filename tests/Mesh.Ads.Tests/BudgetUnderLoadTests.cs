using Mesh.Ads.Tests.Support;
using Mesh.Ads.V1;

namespace Mesh.Ads.Tests;

/// <summary>
/// Tests that saturate the ads service and its database on purpose. They run alone, after the rest of the assembly:
/// alongside them, another class's ordinary call waited behind ten thousand selections past its deadline.
/// </summary>
[CollectionDefinition(nameof(SaturatingTests), DisableParallelization = true)]
public sealed class SaturatingTests;

/// <summary>Billing stays within the daily budget when ten thousand selections arrive at once.</summary>
[Collection(nameof(SaturatingTests))]
public sealed class BudgetUnderLoadTests(AdsFixture fixture) : IClassFixture<AdsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewCity() => $"c{Guid.NewGuid():N}";

    [Fact]
    public async Task Ten_thousand_concurrent_selections_never_spend_more_than_the_small_daily_budgets()
    {
        var city = NewCity();
        // A: CPM 2000, pays B's 1500 milli (1.5 minor) per impression; budget 100 minor → at most 66 impressions.
        // B: CPM 1500, pays the reserve (100 milli) once A is out, or A's... never more than its own budget of 50 minor.
        var (a, _) = await fixture.ApprovedAsync(fixture.NewCampaign(city, BidType.Cpm, bid: 2000, dailyBudget: 100));
        var (b, _) = await fixture.ApprovedAsync(fixture.NewCampaign(city, BidType.Cpm, bid: 1500, dailyBudget: 50));

        var selections = Enumerable.Range(0, 10_000).Select(_ =>
            fixture.Client.SelectAdsAsync(new SelectAdsRequest { City = city, Slots = 1 }, cancellationToken: Ct).ResponseAsync);
        var answers = await Task.WhenAll(selections);

        var served = answers.SelectMany(r => r.Ads).ToList();
        foreach (var (campaign, budgetMilli) in new[] { (a, 100_000L), (b, 50_000L) })
        {
            var id = Guid.Parse(campaign.Id);
            var spent = await fixture.ScalarAsync<long>("SELECT spent_milli FROM campaign_days WHERE campaign_id = @id", new { id });
            var billed = await fixture.ScalarAsync<long>("SELECT coalesce(sum(price_milli), 0) FROM impressions WHERE campaign_id = @id", new { id });
            var count = await fixture.ScalarAsync<long>("SELECT count(*) FROM impressions WHERE campaign_id = @id", new { id });
            Assert.True(spent <= budgetMilli, $"campaign spent {spent} of {budgetMilli}");
            Assert.Equal(billed, spent);                                              // every impression billed once, nothing else
            Assert.Equal(count, served.Count(ad => ad.CampaignId == campaign.Id));     // every served ad is a recorded impression
            Assert.Equal(count, await fixture.ScalarAsync<long>("SELECT impressions FROM campaign_days WHERE campaign_id = @id", new { id }));
        }
        // The budgets were really used up: A to within one impression's price, then B.
        Assert.True(await fixture.ScalarAsync<long>("SELECT spent_milli FROM campaign_days WHERE campaign_id = @id", new { id = Guid.Parse(a.Id) }) > 100_000 - 1500);
        Assert.True(served.Count < 10_000);
        var report = await fixture.Client.GetCampaignReportAsync(new GetCampaignReportRequest { Id = a.Id }, fixture.NewAdmin().Bearer, cancellationToken: Ct);
        Assert.True(report.Days.Single().SpendMinor <= 100);
    }
}
