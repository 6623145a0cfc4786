using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Mesh.Catalog.V1;

namespace Mesh.Booking.Tests;

/// <summary>A hold's life: priced by the catalog, expiring on the (injected) clock, released early, private to its user, limited per user.</summary>
public sealed class HoldLifecycleTests(BookingFixture fixture) : IClassFixture<BookingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<Hold> HoldAsync(string user, string showId, params string[] seats) =>
        fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seats } }, fixture.As(user), cancellationToken: Ct).ResponseAsync;

    [Fact]
    public async Task A_hold_is_priced_by_the_catalog_and_expires_after_ten_minutes()
    {
        var (showId, seats) = fixture.AddShow();
        var hold = await HoldAsync("pricing", showId, seats[0], seats[9]);   // one standard, one premium
        Assert.Equal(FakeCatalog.StandardPrice + FakeCatalog.PremiumPrice, hold.AmountMinor);
        Assert.Equal("EUR", hold.Currency);
        Assert.Equal([seats[0], seats[9]], hold.Seats.Select(s => s.SeatId));
        Assert.Equal(HoldStatus.Active, hold.Status);
        Assert.Equal(TimeSpan.FromMinutes(10), hold.ExpiresAt.ToDateTime() - hold.CreateTime.ToDateTime());
    }

    [Fact]
    public async Task An_expired_hold_frees_its_seats_on_read_before_any_sweep()
    {
        var (showId, seats) = fixture.AddShow();
        var hold = await HoldAsync("expiring", showId, seats[3]);
        var e = await Assert.ThrowsAsync<RpcException>(() => HoldAsync("later", showId, seats[3]));
        Assert.Equal([seats[3]], Errors.TakenSeats(e));

        fixture.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        Assert.Equal(HoldStatus.Expired, (await fixture.Client.GetHoldAsync(new GetHoldRequest { Id = hold.Id }, fixture.As("expiring"), cancellationToken: Ct)).Status);
        var second = await HoldAsync("later", showId, seats[3]);
        Assert.Equal(HoldStatus.Active, second.Status);
    }

    [Fact]
    public async Task Releasing_early_frees_the_seats_at_once()
    {
        var (showId, seats) = fixture.AddShow();
        var hold = await HoldAsync("releaser", showId, seats[1], seats[2]);
        await fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = hold.Id }, fixture.As("releaser"), cancellationToken: Ct);
        await fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = hold.Id }, fixture.As("releaser"), cancellationToken: Ct);   // idempotent

        Assert.Equal(HoldStatus.Released, (await fixture.Client.GetHoldAsync(new GetHoldRequest { Id = hold.Id }, fixture.As("releaser"), cancellationToken: Ct)).Status);
        var next = await HoldAsync("next-in-line", showId, seats[2], seats[1]);
        Assert.Equal(2, next.Seats.Count);
    }

    [Fact]
    public async Task Another_user_can_neither_read_nor_release_my_hold()
    {
        var (showId, seats) = fixture.AddShow();
        var hold = await HoldAsync("owner", showId, seats[4]);

        var read = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetHoldAsync(new GetHoldRequest { Id = hold.Id }, fixture.As("stranger"), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, read.StatusCode);
        var release = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = hold.Id }, fixture.As("stranger"), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, release.StatusCode);
        Assert.Equal(HoldStatus.Active, (await fixture.Client.GetHoldAsync(new GetHoldRequest { Id = hold.Id }, fixture.As("owner"), cancellationToken: Ct)).Status);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetHoldAsync(new GetHoldRequest { Id = hold.Id }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    [Fact]
    public async Task At_most_the_configured_number_of_active_holds_per_user()
    {
        var (showId, seats) = fixture.AddShow();
        var holds = new List<Hold>();
        for (var i = 0; i < BookingFixture.MaxActiveHolds; i++) holds.Add(await HoldAsync("collector", showId, seats[10 + i]));

        var e = await Assert.ThrowsAsync<RpcException>(() => HoldAsync("collector", showId, seats[15]));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("TOO_MANY_HOLDS", Errors.Reason(e));

        await fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = holds[0].Id }, fixture.As("collector"), cancellationToken: Ct);
        await HoldAsync("collector", showId, seats[15]);   // a released hold no longer counts
    }

    [Fact]
    public async Task Cancelled_and_past_shows_cannot_be_held()
    {
        var now = fixture.Clock.GetUtcNow().UtcDateTime;
        var (cancelled, cancelledSeats) = fixture.Catalog.AddShow(3, now.AddDays(1), ShowStatus.Cancelled);
        var (past, pastSeats) = fixture.Catalog.AddShow(3, now.AddHours(-1));
        foreach (var (show, seat) in new[] { (cancelled, cancelledSeats[0]), (past, pastSeats[0]) })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => HoldAsync("late", show, seat));
            Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Equal("SHOW_NOT_BOOKABLE", Errors.Reason(e));
        }
    }

    [Fact]
    public async Task A_show_cancelled_after_it_was_held_cannot_be_held_once_the_cached_seat_map_lapses()
    {
        // Holds read the show and its seat map through a short cache (docs/decisions/0004-booking-catalog-cache.md):
        // a cancellation reaches new holds at most Booking:CatalogCacheDuration later.
        var (showId, seats) = fixture.AddShow(3);
        await HoldAsync("cache-first", showId, seats[0]);
        fixture.Catalog.MarkShowCancelled(showId);
        fixture.Clock.Advance(new Mesh.Booking.BookingOptions().CatalogCacheDuration + TimeSpan.FromSeconds(1));

        var e = await Assert.ThrowsAsync<RpcException>(() => HoldAsync("cache-second", showId, seats[1]));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("SHOW_NOT_BOOKABLE", Errors.Reason(e));
    }

    [Fact]
    public async Task Shows_and_slots_beyond_the_booking_horizon_cannot_be_held()
    {
        var now = fixture.Clock.GetUtcNow().UtcDateTime;
        var (far, farSeats) = fixture.Catalog.AddShow(3, now.AddDays(91));
        var e = await Assert.ThrowsAsync<RpcException>(() => HoldAsync("horizon", far, farSeats[0]));
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("BEYOND_HORIZON", Errors.Reason(e));

        var (serviceId, farSlot) = fixture.AddService(capacity: 2, days: 92);
        var slot = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateHoldAsync(
            new CreateHoldRequest { ServiceId = serviceId, SlotStart = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(farSlot), Quantity = 1 },
            fixture.As("horizon"), cancellationToken: Ct).ResponseAsync);
        Assert.Equal("BEYOND_HORIZON", Errors.Reason(slot));

        // Inside the default 90 days both can be held.
        var (near, nearSeats) = fixture.Catalog.AddShow(3, now.AddDays(89));
        Assert.Equal(HoldStatus.Active, (await HoldAsync("horizon", near, nearSeats[0])).Status);
        var (_, nearSlot) = fixture.AddService(capacity: 2, days: 88);
        Assert.Equal(HoldStatus.Active, (await fixture.Client.CreateHoldAsync(
            new CreateHoldRequest { ServiceId = serviceId, SlotStart = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(nearSlot), Quantity = 1 },
            fixture.As("horizon"), cancellationToken: Ct)).Status);
    }

    [Fact]
    public async Task Holds_through_the_edge()
    {
        var (showId, seats) = fixture.AddShow();
        using var http = fixture.CreateRestClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Tokens.Mint("rest-user", "customer"));

        using var created = await http.PostAsJsonAsync("/v1/holds", new { showId, seatIds = new[] { seats[5] } }, Ct);
        var text = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.IsSuccessStatusCode, text);
        var body = JsonDocument.Parse(text).RootElement;
        var id = body.GetProperty("id").GetString();
        Assert.Equal(FakeCatalog.StandardPrice.ToString(System.Globalization.CultureInfo.InvariantCulture), body.GetProperty("amountMinor").ToString());
        Assert.Equal("EUR", body.GetProperty("currency").GetString());
        Assert.True(body.TryGetProperty("expiresAt", out _));
        Assert.Equal(seats[5], body.GetProperty("seats")[0].GetProperty("seatId").GetString());

        using var read = await http.GetAsync($"/v1/holds/{id}", Ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var taken = await http.PostAsJsonAsync("/v1/holds", new { showId, seatIds = new[] { seats[5] } }, Ct);
        Assert.Contains(seats[5], await taken.Content.ReadAsStringAsync(Ct));
        Assert.False(taken.IsSuccessStatusCode);
        using var released = await http.DeleteAsync($"/v1/holds/{id}", Ct);
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        using var bad = await http.PostAsJsonAsync("/v1/holds", new { showId = "nope", seatIds = new[] { seats[5] } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
