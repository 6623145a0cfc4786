using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Mesh.Catalog.V1;

namespace Mesh.Booking.Tests.Support;

/// <summary>
/// A test double of the catalog's gRPC contract (GetShow, ListShowSeats; ListCities, ListServices, ListServiceSlots)
/// with shows and bookable services the test adds: a fixed seat map with prices, and services open 09:00-17:00 every
/// day in <see cref="CityZone"/> with hourly slots, so booking's use of the contract is exercised over real gRPC
/// without the catalog's own database.
/// </summary>
public sealed class FakeCatalog : Mesh.Catalog.V1.Catalog.CatalogBase
{
    public const long StandardPrice = 1200;
    public const long PremiumPrice = 2000;
    public const long PlacePrice = 1500;
    public const string CityId = "testville";
    // UTC-10 without DST: afternoon slots (14:00 local on) start on the next UTC date, so booking must ask the local day.
    public const string CityZone = "Pacific/Honolulu";
    public const int FirstSlotHour = 9;
    public const int SlotsPerDay = 8;

    private readonly ConcurrentDictionary<string, (Show Show, ListShowSeatsResponse Seats)> _shows = new();
    private readonly ConcurrentDictionary<string, BookableService> _services = new();

    /// <summary>A service with <paramref name="capacity"/> places per hourly slot at <see cref="PlacePrice"/>.</summary>
    public string AddService(int capacity)
    {
        var service = new BookableService
        {
            Id = Guid.NewGuid().ToString(), CityId = CityId, Name = "Yoga", Category = "yoga", DurationMinutes = 60,
            Capacity = capacity, PriceMinor = PlacePrice, Currency = "EUR",
        };
        _services[service.Id] = service;
        return service.Id;
    }

    /// <summary>The start (UTC) of the slot at local <paramref name="hour"/> on the local date <paramref name="days"/> after <paramref name="now"/>.</summary>
    public static DateTime SlotStart(DateTime now, int days, int hour = FirstSlotHour + 1)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(CityZone);
        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(now, zone)).AddDays(days);
        return TimeZoneInfo.ConvertTimeToUtc(date.ToDateTime(new TimeOnly(hour, 0)), zone);
    }

    public override Task<ListCitiesResponse> ListCities(ListCitiesRequest request, ServerCallContext context) =>
        Task.FromResult(new ListCitiesResponse { Cities = { new City { Id = CityId, Name = "Testville", CountryCode = "US", TimeZone = CityZone } } });

    /// <summary>All services in id order, paged (the token is the offset), so booking's paging is exercised.</summary>
    public override Task<ListServicesResponse> ListServices(ListServicesRequest request, ServerCallContext context)
    {
        var all = _services.Values.OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        var offset = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken, System.Globalization.CultureInfo.InvariantCulture);
        var size = request.PageSize == 0 ? 20 : request.PageSize;
        var response = new ListServicesResponse { Services = { all.Skip(offset).Take(size) } };
        if (offset + size < all.Count) response.NextPageToken = (offset + size).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Task.FromResult(response);
    }

    public override Task<ListServiceSlotsResponse> ListServiceSlots(ListServiceSlotsRequest request, ServerCallContext context)
    {
        if (!_services.TryGetValue(request.Id, out var service)) throw new RpcException(new Status(StatusCode.NotFound, "no such service"));
        var date = DateOnly.ParseExact(request.Date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(CityZone);
        var response = new ListServiceSlotsResponse();
        for (var i = 0; i < SlotsPerDay; i++)
        {
            var start = TimeZoneInfo.ConvertTimeToUtc(date.ToDateTime(new TimeOnly(FirstSlotHour + i, 0)), zone);
            response.Slots.Add(new ServiceSlot
            {
                StartTime = Timestamp.FromDateTime(start), EndTime = Timestamp.FromDateTime(start.AddHours(1)), Capacity = service.Capacity, Available = service.Capacity,
            });
        }
        return Task.FromResult(response);
    }

    /// <summary>A show with <paramref name="seatCount"/> seats (every tenth one premium); returns it and its seat ids.</summary>
    public (string ShowId, IReadOnlyList<string> SeatIds) AddShow(int seatCount, DateTime start, ShowStatus status = ShowStatus.Scheduled)
    {
        var show = new Show { Id = Guid.NewGuid().ToString(), StartTime = Timestamp.FromDateTime(start), Currency = "EUR", Status = status };
        var seats = new ListShowSeatsResponse();
        for (var i = 0; i < seatCount; i++)
        {
            var premium = i % 10 == 9;
            seats.Seats.Add(new ShowSeat
            {
                Id = Guid.NewGuid().ToString(), Row = ((char)('A' + i / 20)).ToString(), Label = (i % 20 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Category = premium ? "premium" : "standard", PriceMinor = premium ? PremiumPrice : StandardPrice, Currency = "EUR", Status = SeatStatus.Available,
            });
        }
        _shows[show.Id] = (show, seats);
        return (show.Id, seats.Seats.Select(s => s.Id).ToList());
    }

    /// <summary>The partner cancels the show (after holds were made).</summary>
    public void MarkShowCancelled(string showId) => _shows[showId].Show.Status = ShowStatus.Cancelled;

    public override Task<Show> GetShow(GetShowRequest request, ServerCallContext context) =>
        Task.FromResult(_shows.TryGetValue(request.Id, out var s) ? s.Show : throw new RpcException(new Status(StatusCode.NotFound, "no such show")));

    public override Task<ListShowSeatsResponse> ListShowSeats(ListShowSeatsRequest request, ServerCallContext context) =>
        Task.FromResult(_shows.TryGetValue(request.Id, out var s) ? s.Seats : throw new RpcException(new Status(StatusCode.NotFound, "no such show")));
}
