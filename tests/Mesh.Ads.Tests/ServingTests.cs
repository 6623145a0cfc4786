using Mesh.Ads.Tests.Support;
using Mesh.Ads.V1;

namespace Mesh.Ads.Tests;

/// <summary>Selection, billing within the budget under concurrency, clicks billed once, the frequency cap, pacing, events.</summary>
public sealed class ServingTests(AdsFixture fixture) : IClassFixture<AdsFixture>
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

    [Fact]
    public async Task A_click_replayed_twice_is_billed_once()
    {
        var city = NewCity();
        var (cpc, partner) = await fixture.ApprovedAsync(fixture.NewCampaign(city, BidType.Cpc, bid: 30, dailyBudget: 1000));
        var ad = (await fixture.Client.SelectAdsAsync(new SelectAdsRequest { City = city, Slots = 1 }, cancellationToken: Ct)).Ads.Single();
        Assert.Equal(cpc.Id, ad.CampaignId);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT spent_milli FROM campaign_days WHERE campaign_id = @id", new { id = Guid.Parse(cpc.Id) }));

        // The same click three times, two of them at once.
        var clicks = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            fixture.Client.RecordClickAsync(new RecordClickRequest { ImpressionId = ad.ImpressionId }, cancellationToken: Ct).ResponseAsync));
        var replay = await fixture.Client.RecordClickAsync(new RecordClickRequest { ImpressionId = ad.ImpressionId }, cancellationToken: Ct);
        Assert.Equal(1, clicks.Count(c => c.FirstClick));
        Assert.False(replay.FirstClick);
        Assert.Equal("https://example.com/thrillers", replay.TargetUrl);

        // Alone in its auction it pays the reserve (100 milli per impression) / its prior CTR (1%) = 10,000 milli = 10 minor.
        var report = await fixture.Client.GetCampaignReportAsync(new GetCampaignReportRequest { Id = cpc.Id }, partner.Bearer, cancellationToken: Ct);
        var day = report.Days.Single();
        Assert.Equal((1L, 1L, 10L), (day.Impressions, day.Clicks, day.SpendMinor));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("SELECT count(*) FROM clicks WHERE impression_id = @id", new { id = Guid.Parse(ad.ImpressionId) }));
        Assert.Equal(1L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM mesh_outbox WHERE type = 'ad.clicked' AND convert_from(body, 'UTF8')::jsonb ->> 'ImpressionId' = @id", new { id = ad.ImpressionId }));
        Assert.Equal(1L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM mesh_outbox WHERE type = 'ad.impression' AND convert_from(body, 'UTF8')::jsonb ->> 'ImpressionId' = @id", new { id = ad.ImpressionId }));

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.RecordClickAsync(new RecordClickRequest { ImpressionId = Guid.NewGuid().ToString() }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task A_viewer_sees_a_campaign_at_most_the_capped_number_of_times_a_day()
    {
        var city = NewCity();
        var (campaign, _) = await fixture.ApprovedAsync(fixture.NewCampaign(city));
        var viewer = fixture.NewCustomer();
        var shown = 0;
        for (var i = 0; i < 6; i++)
            shown += (await fixture.Client.SelectAdsAsync(new SelectAdsRequest { City = city, Slots = 1, UserId = viewer.Id }, viewer.Bearer, cancellationToken: Ct)).Ads.Count;
        Assert.Equal(3, shown);   // Ads:FrequencyCap
        Assert.Single((await fixture.Client.SelectAdsAsync(new SelectAdsRequest { City = city, Slots = 1 }, fixture.NewCustomer().Bearer, cancellationToken: Ct)).Ads);

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.SelectAdsAsync(new SelectAdsRequest { City = city, Slots = 1, UserId = viewer.Id }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);   // someone else's cap
    }

    [Fact]
    public async Task Slots_go_to_different_campaigns_that_match_the_targeting()
    {
        var city = NewCity();
        var (thriller, _) = await fixture.ApprovedAsync(fixture.NewCampaign(city, bid: 3000, genres: ["thriller"]));
        var (anyone, _) = await fixture.ApprovedAsync(fixture.NewCampaign(city, bid: 1000));
        var (comedy, _) = await fixture.ApprovedAsync(fixture.NewCampaign(city, bid: 5000, genres: ["comedy"]));

        var ads = (await fixture.Client.SelectAdsAsync(new SelectAdsRequest { City = city, Slots = 3, Genres = { "Thriller" } }, cancellationToken: Ct)).Ads;
        Assert.Equal([thriller.Id, anyone.Id], ads.Select(a => a.CampaignId));
        Assert.Equal([0, 1], ads.Select(a => a.Slot));
        Assert.DoesNotContain(comedy.Id, ads.Select(a => a.CampaignId));
        Assert.Empty((await fixture.Client.SelectAdsAsync(new SelectAdsRequest { City = NewCity(), Slots = 3 }, cancellationToken: Ct)).Ads);

        var bad = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.SelectAdsAsync(new SelectAdsRequest { Slots = 9 }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["city", "slots"], Errors.Fields(bad).Order());
    }
}
