using Google.Protobuf.WellKnownTypes;
using Mesh.Ads.Tests.Support;
using Mesh.Ads.V1;

namespace Mesh.Ads.Tests;

/// <summary>Creating campaigns (partners only, validated field by field), who sees which, and staff decisions.</summary>
public sealed class CampaignTests(AdsFixture fixture) : IClassFixture<AdsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_partner_creates_a_campaign_that_waits_for_approval_and_staff_approve_it()
    {
        var partner = fixture.NewPartner();
        var created = await fixture.Client.CreateCampaignAsync(new CreateCampaignRequest { Campaign = fixture.NewCampaign("Berlin", genres: ["Thriller"]) }, partner.Bearer, cancellationToken: Ct);
        Assert.Equal((CampaignState.PendingApproval, partner.Id), (created.State, created.PartnerId));
        Assert.Equal(["berlin"], created.Targeting.Cities);
        Assert.Equal(["thriller"], created.Targeting.Genres);
        Assert.True(Guid.TryParse(created.Id, out _));

        var approved = await fixture.Client.ApproveCampaignAsync(new ApproveCampaignRequest { Id = created.Id }, fixture.NewAdmin().Bearer, cancellationToken: Ct);
        Assert.Equal(CampaignState.Approved, approved.State);
        Assert.Equal(approved, await fixture.Client.GetCampaignAsync(new GetCampaignRequest { Id = created.Id }, partner.Bearer, cancellationToken: Ct));
    }

    [Fact]
    public async Task Budgets_bids_and_schedules_are_validated_with_field_errors_and_nothing_is_written()
    {
        var partner = fixture.NewPartner();
        var now = fixture.Clock.GetUtcNow().UtcDateTime;
        var bad = fixture.NewCampaign("berlin");
        bad.DailyBudgetMinor = 0;
        bad.BidMinor = -5;
        bad.Currency = "USD";
        bad.BidType = BidType.Unspecified;
        bad.StartTime = Timestamp.FromDateTime(now.AddDays(2));
        bad.EndTime = Timestamp.FromDateTime(now.AddDays(1));
        bad.Creative.TargetUrl = "javascript:alert(1)";
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateCampaignAsync(new CreateCampaignRequest { Campaign = bad }, partner.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(
            ["campaign.bid_minor", "campaign.bid_type", "campaign.creative.target_url", "campaign.currency", "campaign.daily_budget_minor", "campaign.end_time"],
            Errors.Fields(e).Order());

        var overBid = fixture.NewCampaign("berlin", BidType.Cpc, bid: 20_000, dailyBudget: 10_000);
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateCampaignAsync(new CreateCampaignRequest { Campaign = overBid }, partner.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["campaign.bid_minor"], Errors.Fields(e));

        var past = fixture.NewCampaign("berlin");
        past.StartTime = Timestamp.FromDateTime(now.AddDays(-3));
        past.EndTime = Timestamp.FromDateTime(now.AddDays(-1));
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateCampaignAsync(new CreateCampaignRequest { Campaign = past }, partner.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["campaign.end_time"], Errors.Fields(e));

        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM campaigns WHERE partner_id = @id", new { id = partner.Id }));
    }

    [Fact]
    public async Task A_partner_sees_only_its_own_campaigns_and_customers_none()
    {
        var (mine, other) = (fixture.NewPartner(), fixture.NewPartner());
        var a = await fixture.Client.CreateCampaignAsync(new CreateCampaignRequest { Campaign = fixture.NewCampaign("paris") }, mine.Bearer, cancellationToken: Ct);
        var b = await fixture.Client.CreateCampaignAsync(new CreateCampaignRequest { Campaign = fixture.NewCampaign("paris") }, mine.Bearer, cancellationToken: Ct);
        var theirs = await fixture.Client.CreateCampaignAsync(new CreateCampaignRequest { Campaign = fixture.NewCampaign("paris") }, other.Bearer, cancellationToken: Ct);

        var page1 = await fixture.Client.ListCampaignsAsync(new ListCampaignsRequest { PageSize = 1 }, mine.Bearer, cancellationToken: Ct);
        var page2 = await fixture.Client.ListCampaignsAsync(new ListCampaignsRequest { PageSize = 1, PageToken = page1.NextPageToken }, mine.Bearer, cancellationToken: Ct);
        Assert.Equal([b.Id, a.Id], page1.Campaigns.Concat(page2.Campaigns).Select(c => c.Id));
        Assert.Equal("", page2.NextPageToken);

        foreach (var call in new Func<Task>[]
        {
            () => fixture.Client.GetCampaignAsync(new GetCampaignRequest { Id = theirs.Id }, mine.Bearer, cancellationToken: Ct).ResponseAsync,
            () => fixture.Client.GetCampaignReportAsync(new GetCampaignReportRequest { Id = theirs.Id }, mine.Bearer, cancellationToken: Ct).ResponseAsync,
        })
            Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);

        var customer = fixture.NewCustomer();
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateCampaignAsync(new CreateCampaignRequest { Campaign = fixture.NewCampaign("paris") }, customer.Bearer, cancellationToken: Ct).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.ApproveCampaignAsync(new ApproveCampaignRequest { Id = a.Id }, mine.Bearer, cancellationToken: Ct).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.ListCampaignsAsync(new ListCampaignsRequest(), cancellationToken: Ct).ResponseAsync)).StatusCode);

        // Staff see everyone's.
        var all = await fixture.Client.ListCampaignsAsync(new ListCampaignsRequest { PageSize = 100 }, fixture.NewAdmin().Bearer, cancellationToken: Ct);
        Assert.Contains(theirs.Id, all.Campaigns.Select(c => c.Id));
    }

    [Fact]
    public async Task A_rejected_campaign_cannot_be_approved_and_is_never_served()
    {
        var partner = fixture.NewPartner();
        var city = $"c{Guid.NewGuid():N}";
        var created = await fixture.Client.CreateCampaignAsync(new CreateCampaignRequest { Campaign = fixture.NewCampaign(city) }, partner.Bearer, cancellationToken: Ct);
        Assert.Empty((await fixture.Client.SelectAdsAsync(new SelectAdsRequest { City = city, Slots = 1 }, cancellationToken: Ct)).Ads);   // pending: not served

        var admin = fixture.NewAdmin();
        var rejected = await fixture.Client.RejectCampaignAsync(new RejectCampaignRequest { Id = created.Id, Reason = "misleading" }, admin.Bearer, cancellationToken: Ct);
        Assert.Equal((CampaignState.Rejected, "misleading"), (rejected.State, rejected.RejectReason));
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ApproveCampaignAsync(new ApproveCampaignRequest { Id = created.Id }, admin.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "CAMPAIGN_NOT_PENDING"), (e.StatusCode, Errors.Reason(e)));
        Assert.Empty((await fixture.Client.SelectAdsAsync(new SelectAdsRequest { City = city, Slots = 1 }, cancellationToken: Ct)).Ads);
    }

    [Fact]
    public async Task Over_rest_a_bad_campaign_is_a_400_naming_the_fields()
    {
        using var http = fixture.CreateRestClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/ads/campaigns")
        {
            Content = new StringContent("""{"name":"x","dailyBudgetMinor":"-1","currency":"EUR","bidType":"CPM","bidMinor":"10"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", fixture.NewPartner().Token);
        using var response = await http.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("campaign.daily_budget_minor", body);
        Assert.Contains("campaign.creative", body);
    }
}
