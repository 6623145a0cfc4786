using Mesh.Ads.V1;
using Mesh.Feed.Caching;
using Mesh.Feed.Sections;
using Mesh.Feed.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Feed;

/// <summary>
/// The gRPC endpoint of the feed: validation, the caller (anonymous: the city's feed; signed in: theirs), the cache
/// (a whole computed feed per user or city; a feed with missing sections is not cached, so a recovered upstream shows
/// at once), one page cut from it, and the page's ads (asked of the ads service per page: each is a billed impression).
/// </summary>
public sealed class FeedApi(FeedBuilder builder, FeedCache cache, Ads.V1.Ads.AdsClient ads, Upstream upstream, FeedOptions options) : V1.Feed.FeedBase
{
    private const int DefaultPageSize = 10;
    private const int MaxPageSize = 50;

    public override async Task<FeedPage> GetFeed(GetFeedRequest request, ServerCallContext context)
    {
        var city = request.City.Trim();
        var violations = new FieldViolations();
        if (city.Length == 0) violations.Add("city", "is required");
        else violations.MaxLength("city", city, 100);
        if (request.PageSize is < 0 or > MaxPageSize) violations.Add("page_size", $"must be between 0 and {MaxPageSize}");
        violations.MaxLength("device_id", request.DeviceId, 200);
        var offset = 0;
        if (request.PageToken.Length > 0 && city.Length > 0)
        {
            if (PageTokens.Parse(request.PageToken, city) is { } parsed) offset = parsed;
            else violations.Add("page_token", "is not a token of this city's feed");
        }
        violations.ThrowIfAny();

        var user = context.GetUser();
        var viewer = user is null ? null : new FeedBuilder.Viewer(user.Subject, context.RequestHeaders.GetValue("authorization")!);
        var feed = await cache.GetAsync(user?.Subject, city);
        if (feed is null)
        {
            feed = await builder.BuildAsync(viewer, city, context.CancellationToken);
            if (feed.MissingSections.Count == 0) await cache.StoreAsync(user?.Subject, city, feed);
        }

        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var page = new FeedPage { City = feed.City, Personal = feed.Personal, GenerateTime = feed.GenerateTime, MissingSections = { feed.MissingSections } };
        var more = false;
        foreach (var section in feed.Sections)
        {
            more |= section.Items.Count > offset + size;
            if (offset == 0 || section.Items.Count > offset)
                page.Sections.Add(new FeedSection { Name = section.Name, Items = { section.Items.Skip(offset).Take(size) } });
        }
        if (more) page.NextPageToken = PageTokens.Next(city, offset + size);
        await AddAdsAsync(page, feed, request.DeviceId, viewer, context.CancellationToken);
        return page;
    }

    /// <summary>
    /// Ads for the page, after the first and third section, targeted by the genres and categories the suggestions were
    /// made from; the ads service not answering leaves them out ("ads" in missing_sections).
    /// </summary>
    private async Task AddAdsAsync(FeedPage page, FeedPage feed, string deviceId, FeedBuilder.Viewer? viewer, CancellationToken cancellationToken)
    {
        if (options.AdSlots <= 0) return;
        var reasons = feed.Sections.Where(s => s.Name == SectionNames.Suggested).SelectMany(s => s.Items).SelectMany(i => i.Reasons).ToList();
        var request = new SelectAdsRequest { City = page.City, DeviceId = deviceId, Slots = Math.Min(options.AdSlots, 5), UserId = viewer?.UserId ?? "" };
        request.Genres.Add(reasons.Where(r => r.StartsWith("genre:", StringComparison.Ordinal)).Select(r => r["genre:".Length..]).Distinct().Take(10));
        request.Categories.Add(reasons.Where(r => r.StartsWith("category:", StringComparison.Ordinal)).Select(r => r["category:".Length..]).Distinct().Take(10));
        var answer = await upstream.TryAsync("ads.SelectAds", async () => await ads.SelectAdsAsync(request, upstream.Options(viewer?.Authorization, cancellationToken)), cancellationToken);
        if (answer is null) { page.MissingSections.Add(SectionNames.Ads); return; }
        foreach (var ad in answer.Ads)
            page.Ads.Add(new FeedAd
            {
                Position = 1 + 2 * ad.Slot, ImpressionId = ad.ImpressionId, CampaignId = ad.CampaignId, Title = ad.Creative.Title, Body = ad.Creative.Body,
                ImageUrl = ad.Creative.ImageUrl, TargetUrl = ad.Creative.TargetUrl,
            });
    }
}
