using Mesh.Feed.V1;

namespace Mesh.Feed.Suggestions;

/// <summary>A show that could be suggested: from the catalog's listing of a liked genre, or co-booked by others.</summary>
public sealed record ShowCandidate(string ShowId, string EventId, string Title, string VenueId, string CityId, IReadOnlyList<string> Genres,
    DateTime StartsAt, long CoBookings);

/// <summary>A bookable service of the city that could be suggested.</summary>
public sealed record ServiceCandidate(string ServiceId, string Name, string CityId, string Category);

/// <summary>
/// Scores candidates against a profile: the weights of the show's genres, half the weight of its venue, and
/// <see cref="CoBookingWeight"/> per person who booked it together with one of the user's events; services by their
/// category's weight. Anything the user booked (the show, another show of the same event, the service) and anything
/// scoring nothing is left out. Best first, then soonest, then by id. Pure.
/// </summary>
public static class SuggestionRanker
{
    public const double CoBookingWeight = 2;

    public static List<FeedItem> Rank(AffinityProfile profile, IEnumerable<ShowCandidate> shows, IEnumerable<ServiceCandidate> services)
    {
        var scored = new List<(FeedItem Item, DateTime StartsAt)>();
        foreach (var show in shows.GroupBy(s => s.ShowId).Select(g => g.First() with { CoBookings = g.Max(s => s.CoBookings) }))
        {
            if (profile.BookedShows.Contains(show.ShowId) || profile.BookedEvents.Contains(show.EventId)) continue;
            var item = new FeedItem { Item = $"shows/{show.ShowId}", Title = show.Title, CityId = show.CityId,
                StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.SpecifyKind(show.StartsAt, DateTimeKind.Utc)) };
            double score = 0;
            foreach (var genre in show.Genres.Select(g => g.ToLowerInvariant()).Distinct())
                if (profile.Genres.TryGetValue(genre, out var w)) { score += w; item.Reasons.Add($"genre:{genre}"); }
            if (profile.Venues.TryGetValue(show.VenueId, out var venue)) { score += venue / 2; item.Reasons.Add($"venue:{show.VenueId}"); }
            if (show.CoBookings > 0) { score += CoBookingWeight * show.CoBookings; item.Reasons.Add("co_booked"); }
            if (score <= 0) continue;
            item.Score = score;
            scored.Add((item, show.StartsAt));
        }
        foreach (var service in services)
        {
            if (profile.BookedServices.Contains(service.ServiceId)) continue;
            if (!profile.Categories.TryGetValue(service.Category.ToLowerInvariant(), out var w) || w <= 0) continue;
            var item = new FeedItem { Item = $"services/{service.ServiceId}", Title = service.Name, CityId = service.CityId, Score = w };
            item.Reasons.Add($"category:{service.Category.ToLowerInvariant()}");
            scored.Add((item, DateTime.MaxValue));
        }
        return scored.OrderByDescending(s => s.Item.Score).ThenBy(s => s.StartsAt).ThenBy(s => s.Item.Item, StringComparer.Ordinal).Select(s => s.Item).ToList();
    }
}
