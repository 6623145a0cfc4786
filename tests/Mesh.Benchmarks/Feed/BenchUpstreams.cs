using Google.Protobuf.WellKnownTypes;
using Mesh.Analytics.V1;
using Mesh.Catalog.V1;
using Mesh.Rating.V1;

namespace Mesh.Benchmarks.Feed;

/// <summary>
/// In-memory answers of the feed's upstream contracts for <c>feed-load</c>, so the benchmark measures the feed (its
/// fan-out, feeddb, Redis, the ads service) rather than four other services: a city of shows in five genres, all with
/// seats left; 20 trending and 20 top-rated items; no upcoming bookings; no views.
/// </summary>
public sealed class BenchCatalog : Mesh.Catalog.V1.Catalog.CatalogBase
{
    public const string City = "bench";
    public static readonly string[] Genres = ["thriller", "comedy", "drama", "jazz", "opera"];
    private readonly List<Show> _shows = [];
    private readonly Dictionary<string, Show> _byId = [];

    public BenchCatalog()
    {
        var start = DateTime.UtcNow.Date.AddDays(1);
        for (var i = 0; i < 200; i++)
        {
            var e = new Event { Id = Guid.CreateVersion7().ToString(), Title = $"Event {i}", Genres = { Genres[i % Genres.Length] } };
            var show = new Show
            {
                Id = Guid.CreateVersion7().ToString(), EventId = e.Id, Event = e, CityId = City, VenueId = $"venue-{i % 10}", Status = ShowStatus.Scheduled,
                StartTime = Timestamp.FromDateTime(start.AddHours(i)),
            };
            _shows.Add(show);
            _byId[show.Id] = show;
        }
    }

    public IReadOnlyList<Show> Shows => _shows;

    public override Task<ListShowsResponse> ListShows(ListShowsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListShowsResponse
        {
            Shows = { _shows.Where(s => s.CityId == request.City && (request.Genre.Length == 0 || s.Event.Genres.Contains(request.Genre))).Take(request.PageSize == 0 ? 20 : request.PageSize) },
        });

    public override Task<Show> GetShow(GetShowRequest request, ServerCallContext context) =>
        _byId.TryGetValue(request.Id, out var show) ? Task.FromResult(show) : throw new RpcException(new Status(StatusCode.NotFound, "no such show"));

    public override Task<ListShowSeatsResponse> ListShowSeats(ListShowSeatsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListShowSeatsResponse { Seats = { new ShowSeat { Id = request.Id, Row = "A", Label = "1", Status = SeatStatus.Available } } });

    public override Task<ListServicesResponse> ListServices(ListServicesRequest request, ServerCallContext context) => Task.FromResult(new ListServicesResponse());
}

public sealed class BenchRating : Mesh.Rating.V1.Rating.RatingBase
{
    private readonly ListTopRatedResponse _top = new() { Items = { Enumerable.Range(0, 20).Select(i => new ItemRating { Item = $"events/{Guid.NewGuid()}", CityId = BenchCatalog.City, BayesianAverage = 5 - i * 0.1 }) } };

    public override Task<ListTopRatedResponse> ListTopRated(ListTopRatedRequest request, ServerCallContext context) => Task.FromResult(_top);
}

public sealed class BenchAnalytics : Mesh.Analytics.V1.Analytics.AnalyticsBase
{
    private readonly GetTrendingResponse _trending = new() { Items = { Enumerable.Range(0, 20).Select(i => new TrendingItem { Item = $"shows/{Guid.NewGuid()}", Score = 20 - i }) } };

    public override Task<GetTrendingResponse> GetTrending(GetTrendingRequest request, ServerCallContext context) => Task.FromResult(_trending);

    public override Task<GetUserHistoryResponse> GetUserHistory(GetUserHistoryRequest request, ServerCallContext context) => Task.FromResult(new GetUserHistoryResponse());
}

public sealed class BenchBooking : Mesh.Booking.V1.Booking.BookingBase
{
    public override Task<Mesh.Booking.V1.ListMyBookingsResponse> ListMyBookings(Mesh.Booking.V1.ListMyBookingsRequest request, ServerCallContext context) =>
        Task.FromResult(new Mesh.Booking.V1.ListMyBookingsResponse());
}
