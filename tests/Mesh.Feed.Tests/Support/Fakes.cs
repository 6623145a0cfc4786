using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Mesh.Analytics.V1;
using Mesh.Catalog.V1;
using Mesh.Rating.V1;

namespace Mesh.Feed.Tests.Support;

/// <summary>
/// A test double of the catalog's gRPC contract, as far as the feed uses it: events with genres, shows at venues in
/// cities (some sold out), services; ListShows by city, genre and start, GetShow, GetEvent, ListShowSeats, ListServices.
/// </summary>
public sealed class FakeCatalog : Catalog.V1.Catalog.CatalogBase
{
    private readonly ConcurrentDictionary<string, Event> _events = new();
    private readonly ConcurrentDictionary<string, Show> _shows = new();
    private readonly ConcurrentDictionary<string, bool> _soldOut = new();
    private readonly ConcurrentDictionary<string, BookableService> _services = new();
    private readonly DateTimeOffset _epoch = DateTimeOffset.UtcNow;
    private long _created;

    /// <summary>A v7 id a millisecond after the previous one: creation order is id order, as in the catalog (ids made in one millisecond are not ordered).</summary>
    private string NextId() => Guid.CreateVersion7(_epoch.AddMilliseconds(Interlocked.Increment(ref _created))).ToString();

    public string AddEvent(string title, params string[] genres)
    {
        var e = new Event { Id = NextId(), Kind = "movie", Title = title, Genres = { genres } };
        _events[e.Id] = e;
        return e.Id;
    }

    /// <summary>A show of the event in the city, starting in <paramref name="days"/> days.</summary>
    public string AddShow(string eventId, string city, int days = 3, bool soldOut = false, string? venueId = null)
    {
        var start = DateTime.UtcNow.Date.AddDays(days).AddHours(20);
        var show = new Show
        {
            Id = NextId(), EventId = eventId, VenueId = venueId ?? $"venue-{city}", VenueName = "Hall", CityId = city, Currency = "EUR",
            Status = ShowStatus.Scheduled, StartTime = Timestamp.FromDateTime(start), EndTime = Timestamp.FromDateTime(start.AddHours(2)), Event = _events[eventId],
        };
        _shows[show.Id] = show;
        _soldOut[show.Id] = soldOut;
        return show.Id;
    }

    public DateTime StartOf(string showId) => _shows[showId].StartTime.ToDateTime();

    public string AddService(string city, string category, string name = "Yoga class")
    {
        var service = new BookableService { Id = NextId(), VenueId = $"venue-{city}", CityId = city, Name = name, Category = category, Capacity = 10 };
        _services[service.Id] = service;
        return service.Id;
    }

    public override Task<Show> GetShow(GetShowRequest request, ServerCallContext context) =>
        _shows.TryGetValue(request.Id, out var show) ? Task.FromResult(show) : throw new RpcException(new Status(StatusCode.NotFound, "no such show"));

    public override Task<Event> GetEvent(GetEventRequest request, ServerCallContext context) =>
        _events.TryGetValue(request.Id, out var e) ? Task.FromResult(e) : throw new RpcException(new Status(StatusCode.NotFound, "no such event"));

    public override Task<ListShowsResponse> ListShows(ListShowsRequest request, ServerCallContext context)
    {
        var from = request.From?.ToDateTime() ?? DateTime.UtcNow;
        var shows = _shows.Values
            .Where(s => s.CityId == request.City && s.StartTime.ToDateTime() >= from)
            .Where(s => request.Genre.Length == 0 || s.Event.Genres.Contains(request.Genre, StringComparer.OrdinalIgnoreCase))
            .OrderBy(s => s.StartTime.ToDateTime()).ThenBy(s => s.Id, StringComparer.Ordinal)
            .Take(request.PageSize == 0 ? 20 : request.PageSize);
        return Task.FromResult(new ListShowsResponse { Shows = { shows } });
    }

    /// <summary>Two seats per show: both booked when it is sold out, else both available.</summary>
    public override Task<ListShowSeatsResponse> ListShowSeats(ListShowSeatsRequest request, ServerCallContext context)
    {
        if (!_soldOut.TryGetValue(request.Id, out var soldOut)) throw new RpcException(new Status(StatusCode.NotFound, "no such show"));
        var status = soldOut ? SeatStatus.Booked : SeatStatus.Available;
        return Task.FromResult(new ListShowSeatsResponse
        {
            Seats = { new ShowSeat { Id = Guid.NewGuid().ToString(), Row = "A", Label = "1", Status = status }, new ShowSeat { Id = Guid.NewGuid().ToString(), Row = "A", Label = "2", Status = status } },
        });
    }

    public override Task<ListServicesResponse> ListServices(ListServicesRequest request, ServerCallContext context) =>
        Task.FromResult(new ListServicesResponse
        {
            Services = { _services.Values.Where(s => s.CityId == request.City && (request.Category.Length == 0 || s.Category == request.Category)).OrderBy(s => s.Id, StringComparer.Ordinal) },
        });
}

/// <summary>A test double of rating's ListTopRated: the items a test sets per city.</summary>
public sealed class FakeRating : Rating.V1.Rating.RatingBase
{
    public ConcurrentDictionary<string, ItemRating[]> TopRated { get; } = new();

    public override Task<ListTopRatedResponse> ListTopRated(ListTopRatedRequest request, ServerCallContext context) =>
        Task.FromResult(new ListTopRatedResponse { Items = { TopRated.GetValueOrDefault(request.City, []) } });
}

/// <summary>A test double of analytics' reads: trending items per city and views per user, as a test sets them.</summary>
public sealed class FakeAnalytics : Analytics.V1.Analytics.AnalyticsBase
{
    public ConcurrentDictionary<string, TrendingItem[]> Trending { get; } = new();
    public ConcurrentDictionary<string, string[]> Views { get; } = new();

    public override Task<GetTrendingResponse> GetTrending(GetTrendingRequest request, ServerCallContext context) =>
        Task.FromResult(new GetTrendingResponse { Items = { Trending.GetValueOrDefault(request.City, []) } });

    /// <summary>As the real service, only for a caller with a token (the user's own, which the feed forwards).</summary>
    public override Task<GetUserHistoryResponse> GetUserHistory(GetUserHistoryRequest request, ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue("authorization") is not { Length: > 0 })
            throw new RpcException(new Status(StatusCode.Unauthenticated, "A history is given to its user or staff only."));
        return Task.FromResult(new GetUserHistoryResponse
        {
            Events = { Views.GetValueOrDefault(request.UserId, []).Select(item => new AnalyticsEvent { Id = Guid.NewGuid().ToString(), Type = "view", Item = item, UserId = request.UserId }) },
        });
    }
}

/// <summary>
/// A test double of booking's ListMyBookings: the upcoming bookings a test sets per user, answered to that user's
/// token (the subject is read from the token; the real booking service validates it, this double only routes by it).
/// </summary>
public sealed class FakeBooking : Booking.V1.Booking.BookingBase
{
    public ConcurrentDictionary<string, Booking.V1.BookingRecord[]> Upcoming { get; } = new();

    public override Task<Booking.V1.ListMyBookingsResponse> ListMyBookings(Booking.V1.ListMyBookingsRequest request, ServerCallContext context)
    {
        var token = context.RequestHeaders.GetValue("authorization")?["Bearer ".Length..] ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "no token"));
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        var subject = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload))).RootElement.GetProperty("sub").GetString()!;
        return Task.FromResult(new Booking.V1.ListMyBookingsResponse { Bookings = { Upcoming.GetValueOrDefault(subject, []) } });
    }
}
