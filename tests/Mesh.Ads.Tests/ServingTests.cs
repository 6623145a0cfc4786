using Mesh.Ads.Tests.Support;
using Mesh.Ads.V1;

namespace Mesh.Ads.Tests;

/// <summary>Selection, clicks billed once, the frequency cap, pacing, events.</summary>
public sealed class ServingTests(AdsFixture fixture) : IClassFixture<AdsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewCity() => $"c{Guid.NewGuid():N}";

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
