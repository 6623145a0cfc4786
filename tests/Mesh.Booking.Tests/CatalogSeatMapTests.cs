using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Mesh.Catalog.V1;
using Npgsql;

namespace Mesh.Booking.Tests;

/// <summary>The catalog's seat map (GET /v1/shows/{id}/seats) shows HELD and BOOKED seats as the real booking service knows them.</summary>
public sealed class CatalogSeatMapTests(SeatMapFixture fixture) : IClassFixture<SeatMapFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Seat_map_shows_held_and_booked_seats_from_booking()
    {
        var show = await CreateShowAsync(fixture);
        using var http = fixture.CreateRestClient();
        var seats = await SeatMapAsync(http, show.Id);
        Assert.All(seats.Values, s => Assert.Equal("AVAILABLE", s));
        var ids = seats.Keys.Order().ToList();

        // Booking prices the holds from the real catalog; the catalog asks booking for their status.
        var customer = fixture.Tokens.As("customer-seatmap", "customer");
        var held = await fixture.Booking.CreateHoldAsync(new CreateHoldRequest { ShowId = show.Id, SeatIds = { ids[0] } }, customer, cancellationToken: Ct);
        Assert.Equal(900, held.AmountMinor);
        var booked = await fixture.Booking.CreateHoldAsync(new CreateHoldRequest { ShowId = show.Id, SeatIds = { ids[1] } }, customer, cancellationToken: Ct);
        await MakePermanentAsync(booked.Id);   // what a confirmed checkout does to its claims

        var expected = new Dictionary<string, string> { [ids[0]] = "HELD", [ids[1]] = "BOOKED", [ids[2]] = "AVAILABLE", [ids[3]] = "AVAILABLE" };
        await EventuallyAsync(async () => Same(expected, await SeatMapAsync(http, show.Id)));   // the catalog caches status for a second

        await fixture.Booking.ReleaseHoldAsync(new ReleaseHoldRequest { Id = held.Id }, customer, cancellationToken: Ct);
        expected[ids[0]] = "AVAILABLE";
        await EventuallyAsync(async () => Same(expected, await SeatMapAsync(http, show.Id)));
    }

    [Fact]
    public async Task A_slot_of_a_real_catalog_service_is_held_at_the_catalog_price_and_listed_with_fewer_places()
    {
        var partner = fixture.Tokens.As("partner-slots", "customer", "partner");
        var venue = await fixture.Catalog.CreateVenueAsync(new CreateVenueRequest { Venue = new Venue
        {
            CityId = "berlin", Name = "Studio Drei", Address = "Hofweg 3", Location = new GeoPoint { Latitude = 52.5, Longitude = 13.4 },
        } }, partner, cancellationToken: Ct);
        var service = await fixture.Catalog.CreateServiceAsync(new CreateServiceRequest { VenueId = venue.Id, Service = new BookableService
        {
            Name = "Morning yoga", Category = "yoga", DurationMinutes = 60, Capacity = 3, PriceMinor = 1100, Currency = "EUR",
            OpeningHours = { Enumerable.Range(1, 7).Select(d => new OpeningHours { DayOfWeek = d, Opens = "08:00", Closes = "12:00" }) },
        } }, partner, cancellationToken: Ct);
        // A slot as the catalog lists it (Berlin local date two days ahead).
        var date = DateTime.UtcNow.Date.AddDays(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var slot = (await fixture.Catalog.ListServiceSlotsAsync(new ListServiceSlotsRequest { Id = service.Id, Date = date }, cancellationToken: Ct)).Slots[1];

        var customer = fixture.Tokens.As("customer-slots", "customer");
        var hold = await fixture.Booking.CreateHoldAsync(new CreateHoldRequest { ServiceId = service.Id, SlotStart = slot.StartTime, Quantity = 2 }, customer, cancellationToken: Ct);
        Assert.Equal(2 * 1100, hold.AmountMinor);
        var full = await Assert.ThrowsAsync<RpcException>(() => fixture.Booking.CreateHoldAsync(
            new CreateHoldRequest { ServiceId = service.Id, SlotStart = slot.StartTime, Quantity = 2 }, fixture.Tokens.As("customer-slots-2", "customer"), cancellationToken: Ct).ResponseAsync);
        Assert.Equal("1", Errors.Metadata(full, "available"));
        var usage = await fixture.Booking.ListSlotUsageAsync(new ListSlotUsageRequest
        {
            ServiceId = service.Id, From = slot.StartTime, To = slot.EndTime,
        }, cancellationToken: Ct);
        Assert.Equal(2, Assert.Single(usage.Slots).Taken);

        // The catalog's slot list subtracts what booking says is taken; the other slots stay fully available.
        var listed = (await fixture.Catalog.ListServiceSlotsAsync(new ListServiceSlotsRequest { Id = service.Id, Date = date }, cancellationToken: Ct)).Slots;
        Assert.Equal(1, listed[1].Available);
        Assert.All(listed.Where((_, i) => i != 1), s => Assert.Equal(3, s.Available));
    }

    /// <summary>A partner's show with one row of four seats at 9.00 EUR, three days ahead, created in the real catalog.</summary>
    internal static async Task<Show> CreateShowAsync(SeatMapFixture fixture)
    {
        var partner = fixture.Tokens.As("partner-seatmap", "customer", "partner");
        var venue = await fixture.Catalog.CreateVenueAsync(new CreateVenueRequest { Venue = new Venue
        {
            CityId = "berlin", Name = "Kino Zwei", Address = "Nebenstr. 2", Location = new GeoPoint { Latitude = 52.5, Longitude = 13.4 },
        } }, partner, cancellationToken: Ct);
        var map = new SeatMap { Categories = { new SeatCategory { Code = "standard", Name = "Standard", Tier = 1 } } };
        map.Rows.Add(new SeatRow { Label = "A", Seats = { Enumerable.Range(1, 4).Select(i => new SeatSpec { Label = $"A{i}", Category = "standard" }) } });
        var screen = await fixture.Catalog.CreateScreenAsync(new CreateScreenRequest { VenueId = venue.Id, Screen = new Screen { Name = "Saal 2", SeatMap = map } }, partner, cancellationToken: Ct);
        var ev = await fixture.Catalog.CreateEventAsync(new CreateEventRequest { Event = new Event
        {
            Kind = "play", Title = "Faust", Description = "Faust, on stage.", Genres = { "drama" }, Languages = { "de" }, DurationMinutes = 90, AgeRating = "12",
        } }, partner, cancellationToken: Ct);
        var show = await fixture.Catalog.CreateShowAsync(new CreateShowRequest { Show = new Show
        {
            EventId = ev.Id, ScreenId = screen.Id, StartTime = Timestamp.FromDateTime(DateTime.UtcNow.Date.AddDays(3).AddHours(19)), Currency = "EUR",
            Prices = { new CategoryPrice { Category = "standard", PriceMinor = 900 } },
        } }, partner, cancellationToken: Ct);
        return show;
    }

    internal static async Task<HttpStatusCode> SeatMapStatusAsync(HttpClient http, string showId)
    {
        using var response = await http.GetAsync($"/v1/shows/{showId}/seats", Ct);
        return response.StatusCode;
    }

    private static bool Same(Dictionary<string, string> expected, Dictionary<string, string> actual) =>
        expected.Count == actual.Count && expected.All(e => actual.TryGetValue(e.Key, out var status) && status == e.Value);

    internal static async Task<Dictionary<string, string>> SeatMapAsync(HttpClient http, string showId)
    {
        var body = JsonDocument.Parse(await http.GetStringAsync($"/v1/shows/{showId}/seats", Ct)).RootElement;
        return body.GetProperty("seats").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("status").GetString()!);
    }

    internal static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the seat map did not reach the expected state in time");
            await Task.Delay(100, Ct);
        }
    }

    private async Task MakePermanentAsync(string holdId)
    {
        await using var db = new NpgsqlConnection(fixture.BookingConnectionString);
        await db.OpenAsync(Ct);
        await using var transaction = await db.BeginTransactionAsync(Ct);
        await HoldClaims.MakePermanentAsync(transaction, Guid.Parse(holdId));
        await transaction.CommitAsync(Ct);
    }
}
