using Google.Protobuf.WellKnownTypes;
using Mesh.Analytics.V1;
using Mesh.Catalog.V1;
using Mesh.Feed.Bookings;
using Mesh.Feed.Sections;
using Mesh.Feed.V1;

namespace Mesh.Feed.Suggestions;

/// <summary>
/// "Suggested for you" in a city: the user's profile from their bookings (feeddb) and recent views (analytics'
/// history), candidates from the catalog (upcoming shows of their strongest genres, the city's services) and from
/// co-bookings (feeddb), ranked by <see cref="SuggestionRanker"/>; then every suggested show is checked for seats left
/// (catalog), and one that is sold out — or whose seats could not be checked — is not suggested. Views, listings and
/// seat checks that fail only make the suggestions poorer; analytics being down leaves suggestions from bookings alone.
/// </summary>
public sealed class Suggester(BookedStore booked, Analytics.V1.Analytics.AnalyticsClient analytics, Catalog.V1.Catalog.CatalogClient catalog,
    Upstream upstream, FeedOptions options)
{
    private const int ViewsLooked = 10;
    private const int GenresListed = 3;

    public sealed record Result(List<FeedItem> Items, IReadOnlyList<string> Genres, IReadOnlyList<string> Categories);

    public async Task<Result> SuggestAsync(string userId, string? authorization, string city, DateTime now, CancellationToken cancellationToken)
    {
        var profile = new AffinityProfile();
        var mine = await booked.OfUserAsync(userId, cancellationToken);
        foreach (var b in mine)
        {
            if (b.ShowId is { } show) profile.BookedShows.Add(show.ToString());
            if (b.EventId is { } e) profile.BookedEvents.Add(e.ToString());
            if (b.ServiceId is { } service) profile.BookedServices.Add(service.ToString());
            profile.AddShow(b.Genres, b.VenueId, AffinityProfile.BookingWeight);
        }

        // The viewer's own token: analytics gives a history to its user (or staff) only.
        var historyTask = upstream.TryAsync("analytics.GetUserHistory", async () => await analytics.GetUserHistoryAsync(
            new GetUserHistoryRequest { UserId = userId, PageSize = 100 }, upstream.Options(authorization, cancellationToken)), cancellationToken);
        var servicesTask = upstream.TryAsync("catalog.ListServices", async () => await catalog.ListServicesAsync(
            new ListServicesRequest { City = city, PageSize = 100 }, upstream.Options(null, cancellationToken)), cancellationToken);
        var coBookedTask = booked.CoBookedAsync(userId, city, now, options.SectionLimit, cancellationToken);
        var (history, services, coBooked) = (await historyTask, await servicesTask, await coBookedTask);

        var cityServices = services?.Services.ToList() ?? [];
        foreach (var service in cityServices.Where(s => profile.BookedServices.Contains(s.Id)))
            profile.AddCategory(service.Category, AffinityProfile.BookingWeight);
        if (history is not null) await AddViewsAsync(profile, history, cityServices, cancellationToken);

        var listings = await Task.WhenAll(profile.TopGenres(GenresListed).Select(genre => upstream.TryAsync($"catalog.ListShows({genre})", async () =>
            await catalog.ListShowsAsync(new ListShowsRequest { City = city, Genre = genre, From = Timestamp.FromDateTime(now), PageSize = options.SectionLimit },
                upstream.Options(null, cancellationToken)), cancellationToken)));
        var shows = listings.Where(l => l is not null).SelectMany(l => l!.Shows).Where(s => s.Status != ShowStatus.Cancelled)
            .Select(s => new ShowCandidate(s.Id, s.EventId, s.Event?.Title ?? "", s.VenueId, s.CityId, s.Event?.Genres ?? [], s.StartTime.ToDateTime(), 0))
            .Concat(coBooked.Select(c => new ShowCandidate(c.ShowId.ToString(), c.EventId.ToString(), c.Title, c.VenueId, city, c.Genres, c.StartsAt, c.People)));

        var ranked = SuggestionRanker.Rank(profile, shows, cityServices.Select(s => new ServiceCandidate(s.Id, s.Name, s.CityId, s.Category)));
        var items = await WithoutSoldOutAsync(ranked, cancellationToken);
        return new Result(items, profile.TopGenres(GenresListed), profile.TopCategories(GenresListed));
    }

    /// <summary>Views of shows and events add their genres and venue, views of the city's services their category.</summary>
    private async Task AddViewsAsync(AffinityProfile profile, GetUserHistoryResponse history, List<BookableService> cityServices, CancellationToken cancellationToken)
    {
        var viewed = history.Events.Where(e => e.Type == "view").Select(e => e.Item).Distinct().Take(ViewsLooked).ToList();
        var described = await Task.WhenAll(viewed.Select(async item =>
        {
            var parts = item.Split('/');
            if (parts.Length != 2) return (Genres: (IEnumerable<string>)[], Venue: "");
            if (parts[0] == "shows")
            {
                var show = await upstream.TryAsync("catalog.GetShow", async () => await catalog.GetShowAsync(new GetShowRequest { Id = parts[1] }, upstream.Options(null, cancellationToken)), cancellationToken);
                return (Genres: show?.Event?.Genres ?? (IEnumerable<string>)[], Venue: show?.VenueId ?? "");
            }
            if (parts[0] == "events")
            {
                var e = await upstream.TryAsync("catalog.GetEvent", async () => await catalog.GetEventAsync(new GetEventRequest { Id = parts[1] }, upstream.Options(null, cancellationToken)), cancellationToken);
                return (Genres: e?.Genres ?? (IEnumerable<string>)[], Venue: "");
            }
            return (Genres: [], Venue: "");
        }));
        foreach (var (genres, venue) in described) profile.AddShow(genres, venue, AffinityProfile.ViewWeight);
        foreach (var service in cityServices.Where(s => viewed.Contains($"services/{s.Id}")))
            profile.AddCategory(service.Category, AffinityProfile.ViewWeight);
    }

    /// <summary>The first <see cref="FeedOptions.SoldOutChecks"/> suggestions whose seats were checked and are not all taken (services are not checked).</summary>
    private async Task<List<FeedItem>> WithoutSoldOutAsync(List<FeedItem> ranked, CancellationToken cancellationToken)
    {
        var candidates = ranked.Take(options.SoldOutChecks).ToList();
        var available = await Task.WhenAll(candidates.Select(async item =>
        {
            if (!item.Item.StartsWith("shows/", StringComparison.Ordinal)) return true;
            var seats = await upstream.TryAsync("catalog.ListShowSeats", async () => await catalog.ListShowSeatsAsync(
                new ListShowSeatsRequest { Id = item.Item["shows/".Length..] }, upstream.Options(null, cancellationToken)), cancellationToken);
            return seats is not null && seats.Seats.Any(s => s.Status == SeatStatus.Available);
        }));
        return candidates.Where((_, i) => available[i]).ToList();
    }
}
