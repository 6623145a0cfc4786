using System.Net;
using Mesh.Booking.Tests.Support;

namespace Mesh.Booking.Tests;

/// <summary>Without booking the catalog does not guess seat status (its own fixture: the test stops booking).</summary>
public sealed class CatalogSeatMapWithoutBookingTests(SeatMapFixture fixture) : IClassFixture<SeatMapFixture>
{
    [Fact]
    public async Task Seat_map_is_unavailable_rather_than_all_available_when_booking_is_down()
    {
        var show = await CatalogSeatMapTests.CreateShowAsync(fixture);
        using var http = fixture.CreateRestClient();
        Assert.All((await CatalogSeatMapTests.SeatMapAsync(http, show.Id)).Values, s => Assert.Equal("AVAILABLE", s));

        // Once its cached answer is stale the seat map is UNAVAILABLE (503), and stays so.
        await fixture.StopBookingAsync();
        await CatalogSeatMapTests.EventuallyAsync(async () => await CatalogSeatMapTests.SeatMapStatusAsync(http, show.Id) == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await CatalogSeatMapTests.SeatMapStatusAsync(http, show.Id));
    }
}
