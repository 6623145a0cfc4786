using Google.Protobuf.WellKnownTypes;
using Mesh.Analytics.V1;
using Mesh.Catalog.V1;
using Mesh.Feed.V1;
using Mesh.Rating.V1;

namespace Mesh.Feed.Sections;

/// <summary>The sections that are the same for everyone in a city (trending, new in the city, top rated) and the caller's upcoming bookings.</summary>
public sealed class CitySections(Analytics.V1.Analytics.AnalyticsClient analytics, Catalog.V1.Catalog.CatalogClient catalog, Rating.V1.Rating.RatingClient rating,
    Booking.V1.Booking.BookingClient booking, Upstream upstream, FeedOptions options)
{
    /// <summary>Analytics' trending items of the city over the last day; null when analytics did not answer.</summary>
    public async Task<List<FeedItem>?> TrendingAsync(string city, CancellationToken cancellationToken)
    {
        var answer = await upstream.TryAsync("analytics.GetTrending", async () => await analytics.GetTrendingAsync(
            new GetTrendingRequest { City = city, Window = TrendingWindow.OneDay, PageSize = options.SectionLimit }, upstream.Options(null, cancellationToken)), cancellationToken);
        return answer?.Items.Select(t => new FeedItem { Item = t.Item, CityId = city, Score = t.Score }).ToList();
    }

    /// <summary>
    /// The city's shows most recently added to the catalog: its ids are time-ordered (UUID v7), so the newest show has
    /// the greatest id (as text: the timestamp leads). Among the upcoming shows of one catalog page (the soonest 100).
    /// </summary>
    public async Task<List<FeedItem>?> NewInCityAsync(string city, DateTime now, CancellationToken cancellationToken)
    {
        var answer = await upstream.TryAsync("catalog.ListShows", async () => await catalog.ListShowsAsync(
            new ListShowsRequest { City = city, From = Timestamp.FromDateTime(now), PageSize = 100 }, upstream.Options(null, cancellationToken)), cancellationToken);
        return answer?.Shows.Where(s => s.Status != ShowStatus.Cancelled).OrderByDescending(s => s.Id.ToLowerInvariant(), StringComparer.Ordinal)
            .Take(options.SectionLimit)
            .Select(s => new FeedItem { Item = $"shows/{s.Id}", Title = s.Event?.Title ?? "", CityId = s.CityId, StartTime = s.StartTime })
            .ToList();
    }

    /// <summary>Rating's best items of the city by Bayesian average.</summary>
    public async Task<List<FeedItem>?> TopRatedAsync(string city, CancellationToken cancellationToken)
    {
        var answer = await upstream.TryAsync("rating.ListTopRated", async () => await rating.ListTopRatedAsync(
            new ListTopRatedRequest { City = city, PageSize = options.SectionLimit }, upstream.Options(null, cancellationToken)), cancellationToken);
        return answer?.Items.Select(r => new FeedItem { Item = r.Item, CityId = r.CityId, Score = r.BayesianAverage }).ToList();
    }

    /// <summary>The caller's upcoming bookings, soonest first (booking, with the caller's own token).</summary>
    public async Task<List<FeedItem>?> UpcomingAsync(string authorization, CancellationToken cancellationToken)
    {
        var answer = await upstream.TryAsync("booking.ListMyBookings", async () => await booking.ListMyBookingsAsync(
            new Booking.V1.ListMyBookingsRequest { When = Booking.V1.BookingTimeFilter.Upcoming, PageSize = options.SectionLimit },
            upstream.Options(authorization, cancellationToken)), cancellationToken);
        return answer?.Bookings.Where(b => b.Status == Booking.V1.BookingStatus.Confirmed).Select(b => new FeedItem
        {
            Item = b.ShowId.Length > 0 ? $"shows/{b.ShowId}" : $"services/{b.ServiceId}", StartTime = b.StartsAt,
        }).ToList();
    }
}
