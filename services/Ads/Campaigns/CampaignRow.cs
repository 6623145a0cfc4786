namespace Mesh.Ads.Campaigns;

/// <summary>A campaign as adsdb stores it (creative as jsonb text).</summary>
public sealed class CampaignRow
{
    public Guid Id { get; init; }
    public string PartnerId { get; init; } = "";
    public string Name { get; init; } = "";
    public string Creative { get; init; } = "{}";
    public string[] Cities { get; init; } = [];
    public string[] Genres { get; init; } = [];
    public string[] Categories { get; init; } = [];
    public DateTime StartTime { get; init; }
    public DateTime EndTime { get; init; }
    public long DailyBudgetMinor { get; init; }
    public string Currency { get; init; } = "";
    public string BidType { get; init; } = "";
    public long BidMinor { get; init; }
    public string State { get; init; } = "";
    public string? RejectReason { get; init; }
    public DateTime CreateTime { get; init; }
}

/// <summary>One UTC day of a campaign, as the report shows it.</summary>
public sealed class CampaignDayRow
{
    public DateTime Day { get; init; }
    public long BudgetMilli { get; init; }
    public long SpentMilli { get; init; }
    public long Impressions { get; init; }
    public long Clicks { get; init; }
}
