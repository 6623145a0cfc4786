using Google.Protobuf.WellKnownTypes;
using Mesh.Feed.Suggestions;
using Mesh.Feed.V1;

namespace Mesh.Feed.Sections;

/// <summary>
/// Computes a whole feed (every section up to <see cref="FeedOptions.SectionLimit"/> items): the sections are asked for
/// at once, each with its deadline; one that fails is left out and named in missing_sections. Personal sections
/// (suggested, upcoming) only for a signed-in caller.
/// </summary>
public sealed class FeedBuilder(CitySections city, Suggester suggester, TimeProvider time, ILogger<FeedBuilder> logger)
{
    /// <summary>The signed-in caller: their id and their own bearer token (forwarded to booking).</summary>
    public sealed record Viewer(string UserId, string Authorization);

    public async Task<FeedPage> BuildAsync(Viewer? viewer, string cityId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var trending = city.TrendingAsync(cityId, cancellationToken);
        var suggested = viewer is null ? Task.FromResult<List<FeedItem>?>(null) : SuggestedAsync(viewer.UserId, viewer.Authorization, cityId, now, cancellationToken);
        var upcoming = viewer is null ? Task.FromResult<List<FeedItem>?>(null) : city.UpcomingAsync(viewer.Authorization, cancellationToken);
        var fresh = city.NewInCityAsync(cityId, now, cancellationToken);
        var topRated = city.TopRatedAsync(cityId, cancellationToken);

        // A booking booking knows of but feeddb has not seen yet (its event still on the way) is not suggested either.
        if (await upcoming is { } booked && await suggested is { } suggestions)
        {
            var items = booked.Select(b => b.Item).ToHashSet(StringComparer.Ordinal);
            suggestions.RemoveAll(s => items.Contains(s.Item));
        }

        var feed = new FeedPage { City = cityId, Personal = viewer is not null, GenerateTime = Timestamp.FromDateTime(now) };
        foreach (var (name, section) in new[]
                 {
                     (SectionNames.Trending, trending), (SectionNames.Suggested, suggested), (SectionNames.Upcoming, upcoming),
                     (SectionNames.NewInCity, fresh), (SectionNames.TopRated, topRated),
                 })
        {
            var personal = name is SectionNames.Suggested or SectionNames.Upcoming;
            if (personal && viewer is null) continue;
            if (await section is { } items) feed.Sections.Add(new FeedSection { Name = name, Items = { items } });
            else feed.MissingSections.Add(name);
        }
        return feed;
    }

    /// <summary>Suggestions, or null when they could not be made at all (feeddb failed).</summary>
    private async Task<List<FeedItem>?> SuggestedAsync(string userId, string? authorization, string cityId, DateTime now, CancellationToken cancellationToken)
    {
        try
        {
            return (await suggester.SuggestAsync(userId, authorization, cityId, now, cancellationToken)).Items;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is Npgsql.NpgsqlException or TimeoutException)
        {
            logger.LogWarning(e, "Suggestions for {UserId} failed", userId);
            return null;
        }
    }
}
