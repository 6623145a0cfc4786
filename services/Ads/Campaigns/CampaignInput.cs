using System.Text.Json;
using Mesh.Ads.V1;

namespace Mesh.Ads.Campaigns;

/// <summary>What a new campaign must satisfy, field by field (every problem is reported at once, nothing is written).</summary>
public static class CampaignInput
{
    public const int MaxName = 120;
    public const int MaxTitle = 80;
    public const int MaxBody = 300;
    public const int MaxUrl = 2000;
    public const int MaxTargets = 50;
    public const long MaxDailyBudgetMinor = 100_000_000;
    public static readonly TimeSpan MaxSchedule = TimeSpan.FromDays(366);

    public static void Validate(FieldViolations violations, Campaign? campaign, string currency, DateTime now)
    {
        if (campaign is null) { violations.Add("campaign", "is required"); return; }
        Text(violations, "campaign.name", campaign.Name, MaxName, required: true);

        if (campaign.Creative is null) violations.Add("campaign.creative", "is required");
        else
        {
            Text(violations, "campaign.creative.title", campaign.Creative.Title, MaxTitle, required: true);
            Text(violations, "campaign.creative.body", campaign.Creative.Body, MaxBody, required: false);
            Url(violations, "campaign.creative.image_url", campaign.Creative.ImageUrl, required: false);
            Url(violations, "campaign.creative.target_url", campaign.Creative.TargetUrl, required: true);
        }

        if (campaign.Targeting is { } targeting)
        {
            Targets(violations, "campaign.targeting.cities", targeting.Cities);
            Targets(violations, "campaign.targeting.genres", targeting.Genres);
            Targets(violations, "campaign.targeting.categories", targeting.Categories);
        }

        if (campaign.StartTime is null) violations.Add("campaign.start_time", "is required");
        if (campaign.EndTime is null) violations.Add("campaign.end_time", "is required");
        if (campaign.StartTime is not null && campaign.EndTime is not null)
        {
            var (start, end) = (campaign.StartTime.ToDateTime(), campaign.EndTime.ToDateTime());
            if (end <= start) violations.Add("campaign.end_time", "must be after start_time");
            else if (end <= now) violations.Add("campaign.end_time", "must be in the future");
            else if (end - start > MaxSchedule) violations.Add("campaign.end_time", "must be at most 366 days after start_time");
        }

        if (campaign.DailyBudgetMinor <= 0) violations.Add("campaign.daily_budget_minor", "must be greater than 0");
        else if (campaign.DailyBudgetMinor > MaxDailyBudgetMinor) violations.Add("campaign.daily_budget_minor", $"must be at most {MaxDailyBudgetMinor}");

        if (campaign.Currency.Length == 0) violations.Add("campaign.currency", "is required");
        else if (campaign.Currency != currency) violations.Add("campaign.currency", $"must be {currency} (the ads market's one currency)");

        if (campaign.BidType == BidType.Unspecified) violations.Add("campaign.bid_type", "is required (CPM or CPC)");
        else if (!Enum.IsDefined(campaign.BidType)) violations.Add("campaign.bid_type", "must be CPM or CPC");

        if (campaign.BidMinor <= 0) violations.Add("campaign.bid_minor", "must be greater than 0");
        else if (campaign.DailyBudgetMinor > 0 && campaign.BidType == BidType.Cpc && campaign.BidMinor > campaign.DailyBudgetMinor)
            violations.Add("campaign.bid_minor", "must be at most daily_budget_minor (one click may not cost more than a day's budget)");
        else if (campaign.DailyBudgetMinor > 0 && campaign.BidType == BidType.Cpm && campaign.BidMinor > campaign.DailyBudgetMinor * 1000)
            violations.Add("campaign.bid_minor", "must be at most 1000 × daily_budget_minor (one impression may not cost more than a day's budget)");
    }

    /// <summary>Targeting values are compared as lower-case, trimmed text.</summary>
    public static string[] Normalize(IEnumerable<string> values) =>
        values.Select(v => v.Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    public static string CreativeJson(Creative c) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["title"] = c.Title, ["body"] = c.Body, ["image_url"] = c.ImageUrl, ["target_url"] = c.TargetUrl });

    public static Creative ParseCreative(string json)
    {
        var values = JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
        return new Creative
        {
            Title = values.GetValueOrDefault("title", ""), Body = values.GetValueOrDefault("body", ""),
            ImageUrl = values.GetValueOrDefault("image_url", ""), TargetUrl = values.GetValueOrDefault("target_url", ""),
        };
    }

    private static void Text(FieldViolations violations, string field, string value, int max, bool required)
    {
        if (required && string.IsNullOrWhiteSpace(value)) violations.Add(field, "is required");
        else violations.MaxLength(field, value, max);
    }

    private static void Url(FieldViolations violations, string field, string value, bool required)
    {
        if (value.Length == 0) { if (required) violations.Add(field, "is required"); return; }
        if (value.Length > MaxUrl) violations.Add(field, $"must be at most {MaxUrl} characters");
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            violations.Add(field, "must be an absolute http or https URL");
    }

    private static void Targets(FieldViolations violations, string field, IReadOnlyCollection<string> values)
    {
        if (values.Count > MaxTargets) violations.Add(field, $"must have at most {MaxTargets} entries");
        else if (values.Any(v => string.IsNullOrWhiteSpace(v) || v.Length > 100)) violations.Add(field, "entries must be 1-100 characters");
    }
}
