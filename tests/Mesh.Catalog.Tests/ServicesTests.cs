using System.Net;
using System.Text.Json;
using Mesh.Catalog.Domain;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;

namespace Mesh.Catalog.Tests;

/// <summary>Bookable services: partners add them to their venues; anyone lists them by city and category and sees a date's slots.</summary>
public sealed class ServicesTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static BookableService Yoga() => new()
    {
        Name = "Morning yoga", Category = "yoga", DurationMinutes = 60, Capacity = 12, PriceMinor = 1500, Currency = "EUR",
        OpeningHours = { new OpeningHours { DayOfWeek = 1, Opens = "09:00", Closes = "12:30" } },   // Mondays: 9, 10, 11 (12:00 would end after closing)
    };

    [Fact]
    public async Task Slots_of_a_date_come_from_the_opening_hours_in_the_venue_time_zone()
    {
        var venue = await fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue("berlin") }, fixture.AsPartnerA, cancellationToken: Ct);
        var service = await fixture.Client.CreateServiceAsync(new CreateServiceRequest { VenueId = venue.Id, Service = Yoga() }, fixture.AsPartnerA, cancellationToken: Ct);

        var monday = await fixture.Client.ListServiceSlotsAsync(new ListServiceSlotsRequest { Id = service.Id, Date = "2030-01-07" }, cancellationToken: Ct);
        Assert.Equal(["08:00", "09:00", "10:00"], monday.Slots.Select(s => s.StartTime.ToDateTime().ToString("HH:mm")).ToArray());   // CET = UTC+1
        Assert.All(monday.Slots, s => { Assert.Equal(12, s.Capacity); Assert.Equal(60, (s.EndTime.ToDateTime() - s.StartTime.ToDateTime()).TotalMinutes); });
        Assert.Empty((await fixture.Client.ListServiceSlotsAsync(new ListServiceSlotsRequest { Id = service.Id, Date = "2030-01-08" }, cancellationToken: Ct)).Slots);

        var denied = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateServiceAsync(new CreateServiceRequest { VenueId = venue.Id, Service = Yoga() }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task Services_list_by_city_and_category_over_rest()
    {
        var paris = await fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue("paris") }, fixture.AsPartnerB, cancellationToken: Ct);
        var tennis = Yoga();
        tennis.Category = "tennis";
        await fixture.Client.CreateServiceAsync(new CreateServiceRequest { VenueId = paris.Id, Service = Yoga() }, fixture.AsPartnerB, cancellationToken: Ct);
        await fixture.Client.CreateServiceAsync(new CreateServiceRequest { VenueId = paris.Id, Service = tennis }, fixture.AsPartnerB, cancellationToken: Ct);

        using var http = fixture.CreateRestClient();
        var response = await http.GetAsync("/v1/services?city=paris&category=tennis", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var services = JsonDocument.Parse(text).RootElement.GetProperty("services");
        Assert.Equal(1, services.GetArrayLength());
        Assert.Equal("tennis", services[0].GetProperty("category").GetString());
        var slots = JsonDocument.Parse(await http.GetStringAsync($"/v1/services/{services[0].GetProperty("id").GetString()}/slots?date=2030-01-07", Ct)).RootElement;
        Assert.Equal(3, slots.GetProperty("slots").GetArrayLength());
    }

    [Fact]
    public void Slot_generator_skips_times_that_do_not_exist_in_a_dst_gap()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        // 2030-03-31 is a Sunday; clocks jump 02:00 → 03:00.
        var slots = SlotGenerator.ForDate(new DateOnly(2030, 3, 31), [new OpeningHours { DayOfWeek = 7, Opens = "01:00", Closes = "04:00" }], 60, zone);
        Assert.Equal(2, slots.Count);   // 01:00 CET and 03:00 CEST; 02:00 does not exist
    }
}
