using Google.Protobuf.WellKnownTypes;
using Mesh.Ads.Campaigns;
using Mesh.Ads.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Ads;

/// <summary>
/// The gRPC endpoint of campaigns: validation (INVALID_ARGUMENT naming every bad field, before anything is written),
/// the caller (partners create and read their own campaigns; staff — the admin role — read all and decide), proto ⇄
/// row mapping. Serving (SelectAds, RecordClick) is in AdsApi.Serving.cs; SQL in <see cref="CampaignStore"/>.
/// </summary>
public sealed partial class AdsApi(CampaignStore campaigns, Serving.ServingStore serving, Serving.AdSelector selector, AdsOptions options, TimeProvider time)
    : V1.Ads.AdsBase
{
    private const string Partner = "partner";
    private const string Admin = "admin";
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 100;

    public override async Task<Campaign> CreateCampaign(CreateCampaignRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner);
        var now = Now();
        var violations = new FieldViolations();
        CampaignInput.Validate(violations, request.Campaign, options.Currency, now);
        violations.ThrowIfAny();

        var c = request.Campaign;
        var row = await campaigns.CreateAsync(new CampaignRow
        {
            Id = Guid.CreateVersion7(), PartnerId = user.Subject, Name = c.Name.Trim(), Creative = CampaignInput.CreativeJson(c.Creative),
            Cities = CampaignInput.Normalize(c.Targeting?.Cities ?? []), Genres = CampaignInput.Normalize(c.Targeting?.Genres ?? []),
            Categories = CampaignInput.Normalize(c.Targeting?.Categories ?? []),
            StartTime = c.StartTime.ToDateTime(), EndTime = c.EndTime.ToDateTime(), DailyBudgetMinor = c.DailyBudgetMinor, Currency = c.Currency,
            BidType = c.BidType.ToString().ToUpperInvariant(), BidMinor = c.BidMinor, State = Pending, CreateTime = now,
        }, context.CancellationToken);
        return ToProto(row);
    }

    public override async Task<Campaign> GetCampaign(GetCampaignRequest request, ServerCallContext context) =>
        ToProto(await ReadableAsync(request.Id, context));

    public override async Task<ListCampaignsResponse> ListCampaigns(ListCampaignsRequest request, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var owner = user.IsInRole(Admin) ? null : user.Subject;
        var violations = new FieldViolations();
        if (request.PageSize is < 0 or > MaxPageSize) violations.Add("page_size", $"must be between 0 and {MaxPageSize}");
        Guid? after = null;
        if (request.PageToken.Length > 0 && (after = PageTokens.ParseCampaigns(request.PageToken, owner ?? "*")) is null)
            violations.Add("page_token", "is not a token of this listing");
        violations.ThrowIfAny();

        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var rows = await campaigns.ListAsync(owner, after, size + 1, context.CancellationToken);
        var response = new ListCampaignsResponse();
        response.Campaigns.Add(rows.Take(size).Select(ToProto));
        if (rows.Count > size) response.NextPageToken = PageTokens.Campaigns(owner ?? "*", rows[size - 1].Id);
        return response;
    }

    public override async Task<Campaign> ApproveCampaign(ApproveCampaignRequest request, ServerCallContext context)
    {
        context.RequireRole(Admin);
        var id = FieldViolations.RequireUuid("id", request.Id);
        var decided = await campaigns.DecideAsync(id, [Pending, Approved], Approved, null, context.CancellationToken);
        if (decided is not null) return ToProto(decided);
        var current = await campaigns.GetAsync(id, context.CancellationToken) ?? throw AdsErrors.CampaignNotFound(request.Id);
        throw AdsErrors.NotPending(request.Id, current.State);
    }

    public override async Task<Campaign> RejectCampaign(RejectCampaignRequest request, ServerCallContext context)
    {
        context.RequireRole(Admin);
        var violations = new FieldViolations();
        var id = violations.Uuid("id", request.Id);
        if (string.IsNullOrWhiteSpace(request.Reason)) violations.Add("reason", "is required");
        else violations.MaxLength("reason", request.Reason, 500);
        violations.ThrowIfAny();
        var decided = await campaigns.DecideAsync(id!.Value, [Pending, Approved, Rejected], Rejected, request.Reason.Trim(), context.CancellationToken)
            ?? throw AdsErrors.CampaignNotFound(request.Id);
        return ToProto(decided);
    }

    public override async Task<CampaignReport> GetCampaignReport(GetCampaignReportRequest request, ServerCallContext context)
    {
        var campaign = await ReadableAsync(request.Id, context);
        var report = new CampaignReport { CampaignId = campaign.Id.ToString(), Currency = campaign.Currency };
        foreach (var d in await campaigns.DaysAsync(campaign.Id, context.CancellationToken))
            report.Days.Add(new CampaignDay
            {
                Day = d.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), Impressions = d.Impressions, Clicks = d.Clicks,
                SpendMinor = CeilMinor(d.SpentMilli), BudgetMinor = d.BudgetMilli / 1000,
            });
        return report;
    }

    /// <summary>The campaign if the caller may read it: its partner, or staff. Anyone else learns nothing (NOT_FOUND).</summary>
    private async Task<CampaignRow> ReadableAsync(string rawId, ServerCallContext context)
    {
        var user = context.RequireRole(Partner, Admin);
        var id = FieldViolations.RequireUuid("id", rawId);
        var row = await campaigns.GetAsync(id, context.CancellationToken);
        if (row is null || (!user.IsInRole(Admin) && row.PartnerId != user.Subject)) throw AdsErrors.CampaignNotFound(rawId);
        return row;
    }

    private static readonly string Pending = "PENDING_APPROVAL";
    private static readonly string Approved = "APPROVED";
    private static readonly string Rejected = "REJECTED";

    private static long CeilMinor(long milli) => (milli + 999) / 1000;

    private static Campaign ToProto(CampaignRow row)
    {
        var campaign = new Campaign
        {
            Id = row.Id.ToString(), PartnerId = row.PartnerId, Name = row.Name, Creative = CampaignInput.ParseCreative(row.Creative),
            Targeting = new Targeting { Cities = { row.Cities }, Genres = { row.Genres }, Categories = { row.Categories } },
            StartTime = Time(row.StartTime), EndTime = Time(row.EndTime), DailyBudgetMinor = row.DailyBudgetMinor, Currency = row.Currency.Trim(),
            BidType = row.BidType == "CPC" ? BidType.Cpc : BidType.Cpm, BidMinor = row.BidMinor,
            State = row.State switch { "APPROVED" => CampaignState.Approved, "REJECTED" => CampaignState.Rejected, _ => CampaignState.PendingApproval },
            RejectReason = row.RejectReason ?? "", CreateTime = Time(row.CreateTime),
        };
        return campaign;
    }

    /// <summary>The clock's now at PostgreSQL's precision (microseconds), so what a campaign answers equals what it stores.</summary>
    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % 10));
    }

    private static Timestamp Time(DateTime value) => Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
