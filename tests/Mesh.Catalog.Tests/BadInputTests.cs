using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;

namespace Mesh.Catalog.Tests;

/// <summary>Bad input → INVALID_ARGUMENT naming the field (a 400 at the edge); nothing half-written, never a 500.</summary>
public sealed class BadInputTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Venues => new()
    {
        { "name=", "venue.name" },
        { "address=", "venue.address" },
        { "city=atlantis", "venue.city_id" },
        { "city=", "venue.city_id" },
        { "latitude=91", "venue.location.latitude" },
        { "longitude=-181", "venue.location.longitude" },
        { "amenity=not ok!", "venue.amenities[1]" },
        { "no-location", "venue.location" },
        { "ok", "" },
    };

    [Theory]
    [MemberData(nameof(Venues))]
    public async Task Create_venue(string change, string field)
    {
        var venue = Builders.Venue();
        switch (change.Split('=') is [var key, var value] ? key : change)
        {
            case "name": venue.Name = change[5..]; break;
            case "address": venue.Address = ""; break;
            case "city": venue.CityId = change[5..]; break;
            case "latitude": venue.Location.Latitude = 91; break;
            case "longitude": venue.Location.Longitude = -181; break;
            case "amenity": venue.Amenities.Add("not ok!"); break;
            case "no-location": venue.Location = null; break;
        }
        var call = fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = venue }, fixture.AsPartnerA, cancellationToken: Ct);
        if (field.Length == 0) { Assert.NotEmpty((await call).Id); return; }
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync), field);
    }

    public static TheoryData<string, string> Screens => new()
    {
        { "duplicate-label", "screen.seat_map.rows[1].seats[0].label" },
        { "unknown-category", "screen.seat_map.rows[0].seats[2].category" },
        { "bad-category-code", "screen.seat_map.categories[0].code" },
        { "no-rows", "screen.seat_map.rows" },
        { "no-name", "screen.name" },
        { "no-map", "screen.seat_map" },
    };

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task Create_screen(string change, string field)
    {
        var venue = await fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue() }, fixture.AsPartnerA, cancellationToken: Ct);
        var screen = Builders.Screen();
        switch (change)
        {
            case "duplicate-label": screen.SeatMap.Rows[1].Seats[0].Label = "A2"; break;
            case "unknown-category": screen.SeatMap.Rows[0].Seats[2].Category = "vip"; break;
            case "bad-category-code": screen.SeatMap.Categories[0].Code = "Not Valid"; break;
            case "no-rows": screen.SeatMap.Rows.Clear(); break;
            case "no-name": screen.Name = " "; break;
            case "no-map": screen.SeatMap = null; break;
        }
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateScreenAsync(new CreateScreenRequest { VenueId = venue.Id, Screen = screen }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync), field);
        Assert.Empty((await fixture.Client.GetVenueAsync(new GetVenueRequest { Id = venue.Id }, cancellationToken: Ct)).Screens);   // nothing half-written
    }

    public static TheoryData<string, string> Shows => new()
    {
        { "past", "show.start_time" },
        { "no-start", "show.start_time" },
        { "negative-price", "show.prices[0].price_minor" },
        { "unknown-category", "show.prices[1].category" },
        { "missing-category", "show.prices" },
        { "currency", "show.currency" },
        { "event-id", "show.event_id" },
        { "unknown-event", "show.event_id" },
        { "screen-id", "show.screen_id" },
    };

    [Theory]
    [MemberData(nameof(Shows))]
    public async Task Create_show(string change, string field)
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(50));
        switch (change)
        {
            case "past": show.StartTime = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(-1)); break;
            case "no-start": show.StartTime = null; break;
            case "negative-price": show.Prices[0].PriceMinor = -1; break;
            case "unknown-category": show.Prices[1].Category = "vip"; break;
            case "missing-category": show.Prices.RemoveAt(1); break;
            case "currency": show.Currency = "euro"; break;
            case "event-id": show.EventId = "not-a-uuid"; break;
            case "unknown-event": show.EventId = Guid.NewGuid().ToString(); break;
            case "screen-id": show.ScreenId = ""; break;
        }
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateShowAsync(new CreateShowRequest { Show = show }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync), field);
    }

    public static TheoryData<string, string> Products => new()
    {
        { "name", "product.name" },
        { "description", "product.description" },
        { "category", "product.category" },
        { "price", "product.price_minor" },
        { "currency", "product.currency" },
        { "stock", "product.stock" },
        { "venue-id", "venue_id" },
        { "no-product", "product" },
    };

    [Theory]
    [MemberData(nameof(Products))]
    public async Task Create_product(string change, string field)
    {
        var venue = await fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue() }, fixture.AsPartnerA, cancellationToken: Ct);
        var request = new CreateProductRequest { VenueId = venue.Id, Product = ProductBuilders.Product() };
        switch (change)
        {
            case "name": request.Product.Name = "  "; break;
            case "description": request.Product.Description = new string('x', 2001); break;
            case "category": request.Product.Category = "Snacks!"; break;
            case "price": request.Product.PriceMinor = -1; break;
            case "currency": request.Product.Currency = "eur"; break;
            case "stock": request.Product.Stock = -5; break;
            case "venue-id": request.VenueId = "nope"; break;
            case "no-product": request.Product = null; break;
        }
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateProductAsync(request, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync), field);
        Assert.Empty((await fixture.Client.ListProductsAsync(new ListProductsRequest { Venue = venue.Id }, cancellationToken: Ct)).Products);   // nothing half-written
    }

    public static TheoryData<string, string> ProductUpdates => new()
    {
        { "mask=owner_id", "update_mask" },
        { "stock=-1", "product.stock" },
        { "price_minor=-1", "product.price_minor" },
        { "currency=", "product.currency" },
    };

    [Theory]
    [MemberData(nameof(ProductUpdates))]
    public async Task Update_product(string change, string field)
    {
        var (_, product) = await ProductBuilders.CreateAsync(fixture, fixture.AsPartnerA);
        var (path, value) = change.Split('=') is [var k, var v] ? (k, v) : (change, "");
        var request = new UpdateProductRequest { Id = product.Id, Product = new Product(), UpdateMask = new FieldMask { Paths = { path == "mask" ? value : path } } };
        switch (path)
        {
            case "stock": request.Product.Stock = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "price_minor": request.Product.PriceMinor = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "currency": request.Product.Currency = value; break;
        }
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.UpdateProductAsync(request, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync), field);
        Assert.Equal(100, (await fixture.Client.GetProductAsync(new GetProductRequest { Id = product.Id }, cancellationToken: Ct)).Stock);
    }

    public static TheoryData<string, string> Reservations => new()
    {
        { "reservation-id", "reservation_id" },
        { "no-lines", "lines" },
        { "quantity", "lines[0].quantity" },
        { "product-id", "lines[0].product_id" },
        { "repeated-product", "lines[1].product_id" },
        { "unknown-product", "lines[0].product_id" },
    };

    [Theory]
    [MemberData(nameof(Reservations))]
    public async Task Reserve_stock(string change, string field)
    {
        var (_, product) = await ProductBuilders.CreateAsync(fixture, fixture.AsPartnerA);
        var request = ProductBuilders.Reserve(Guid.NewGuid(), (product.Id, 1));
        switch (change)
        {
            case "reservation-id": request.ReservationId = "r-1"; break;
            case "no-lines": request.Lines.Clear(); break;
            case "quantity": request.Lines[0].Quantity = 0; break;
            case "product-id": request.Lines[0].ProductId = "popcorn"; break;
            case "repeated-product": request.Lines.Add(new ProductQuantity { ProductId = product.Id, Quantity = 1 }); break;
            case "unknown-product": request.Lines[0].ProductId = Guid.NewGuid().ToString(); break;
        }
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ReserveProductStockAsync(request, fixture.AsCustomer, cancellationToken: Ct).ResponseAsync), field);
        Assert.Equal(100, (await fixture.Client.GetProductAsync(new GetProductRequest { Id = product.Id }, cancellationToken: Ct)).Stock);
    }

    public static TheoryData<string, string> ShowUpdates => new()
    {
        { "mask", "update_mask" },
        { "no-start", "show.start_time" },
        { "past", "show.start_time" },
        { "negative-price", "show.prices[0].price_minor" },
        { "unknown-category", "show.prices[1].category" },
        { "missing-category", "show.prices" },
        { "currency", "show.currency" },
        { "screen-id", "show.screen_id" },
        { "unknown-screen", "show.screen_id" },
    };

    [Theory]
    [MemberData(nameof(ShowUpdates))]
    public async Task Update_show(string change, string field)
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var show = await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(60)) }, fixture.AsPartnerA, cancellationToken: Ct);
        var patch = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(70));
        var paths = new List<string> { "start_time", "screen_id", "prices", "currency" };
        switch (change)
        {
            case "mask": paths.Add("status"); break;
            case "no-start": patch.StartTime = null; break;
            case "past": patch.StartTime = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-5)); break;
            case "negative-price": patch.Prices[0].PriceMinor = -1; break;
            case "unknown-category": patch.Prices[1].Category = "vip"; break;
            case "missing-category": patch.Prices.RemoveAt(1); break;
            case "currency": patch.Currency = "Euro"; break;
            case "screen-id": patch.ScreenId = "screen-1"; break;
            case "unknown-screen": patch.ScreenId = Guid.NewGuid().ToString(); break;
        }
        var request = new UpdateShowRequest { Id = show.Id, Show = patch, UpdateMask = new FieldMask() };
        request.UpdateMask.Paths.AddRange(paths);
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.UpdateShowAsync(request, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync), field);
        Assert.Equal(show.StartTime, (await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct)).StartTime);
    }

    public static TheoryData<string, string> EventUpdates => new()
    {
        { "title", "event.title" },
        { "duration", "event.duration_minutes" },
        { "language", "event.languages[0]" },
        { "image", "event.image_urls[0]" },
        { "mask", "update_mask" },
    };

    [Theory]
    [MemberData(nameof(EventUpdates))]
    public async Task Update_event(string change, string field)
    {
        var ev = await fixture.Client.CreateEventAsync(new CreateEventRequest { Event = Builders.Event() }, fixture.AsPartnerA, cancellationToken: Ct);
        var request = new UpdateEventRequest { Id = ev.Id, Event = new Event(), UpdateMask = new FieldMask() };
        switch (change)
        {
            case "title": request.UpdateMask.Paths.Add("title"); break;
            case "duration": request.UpdateMask.Paths.Add("duration_minutes"); request.Event.DurationMinutes = 2000; break;
            case "language": request.UpdateMask.Paths.Add("languages"); request.Event.Languages.Add("english"); break;
            case "image": request.UpdateMask.Paths.Add("image_urls"); request.Event.ImageUrls.Add("http://insecure.example/x.png"); break;
            case "mask": request.UpdateMask.Paths.Add("owner_id"); break;
        }
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.UpdateEventAsync(request, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync), field);
        Assert.Equal("Hamlet", (await fixture.Client.GetEventAsync(new GetEventRequest { Id = ev.Id }, cancellationToken: Ct)).Title);
    }

    public static TheoryData<string, string> Searches => new()
    {
        { "pageSize=500", "page_size" },
        { "pageSize=-1", "page_size" },
        { "language=english", "language" },
        { "from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "to" },
        { "pageToken=xyz", "page_token" },
    };

    [Theory]
    [MemberData(nameof(Searches))]
    public async Task Search_over_rest(string query, string field)
    {
        using var http = fixture.CreateRestClient();
        var response = await http.GetAsync($"/v1/shows?{query}", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {text}");
        var fields = JsonDocument.Parse(text).RootElement.GetProperty("details").EnumerateArray()
            .Where(d => d.TryGetProperty("fieldViolations", out _))
            .SelectMany(d => d.GetProperty("fieldViolations").EnumerateArray()).Select(v => v.GetProperty("field").GetString());
        Assert.Contains(field, fields);
    }

    [Theory]
    [InlineData("not-a-uuid", "id")]
    [InlineData("", "id")]
    public async Task Ids_are_checked(string id, string field)
    {
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetShowAsync(new GetShowRequest { Id = id }, cancellationToken: Ct).ResponseAsync), field);
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListShowSeatsAsync(new ListShowSeatsRequest { Id = id }, cancellationToken: Ct).ResponseAsync), field);
    }

    [Fact]
    public async Task Service_slots_need_a_real_date()
    {
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListServiceSlotsAsync(
            new ListServiceSlotsRequest { Id = Guid.NewGuid().ToString(), Date = "2026-02-30" }, cancellationToken: Ct).ResponseAsync), "date");
    }

    private static void AssertViolation(RpcException e, string field)
    {
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var badRequest = e.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Contains(badRequest.FieldViolations, v => v.Field == field);
    }
}
