using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;

namespace Mesh.Catalog.Tests;

/// <summary>Partners create and change their own venues and shows; admins anyone's; customers and anonymous callers only read.</summary>
public sealed class PartnerOwnershipTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Partner_creates_reads_updates_and_deletes_own_venue()
    {
        var created = await fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue() }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal(CatalogFixture.PartnerA, created.OwnerId);
        Assert.True(Guid.TryParse(created.Id, out _));

        var read = await fixture.Client.GetVenueAsync(new GetVenueRequest { Id = created.Id }, cancellationToken: Ct);   // anonymous read
        Assert.Equal("Kino Eins", read.Name);

        var change = Builders.Venue(name: "Kino Zwei");
        change.CityId = "";
        var updated = await fixture.Client.UpdateVenueAsync(new UpdateVenueRequest { Id = created.Id, Venue = change }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal("Kino Zwei", updated.Name);

        await fixture.Client.DeleteVenueAsync(new DeleteVenueRequest { Id = created.Id }, fixture.AsPartnerA, cancellationToken: Ct);
        var gone = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetVenueAsync(new GetVenueRequest { Id = created.Id }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Partner_B_cannot_change_partner_A_venue_but_admin_can()
    {
        var venue = await fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue() }, fixture.AsPartnerA, cancellationToken: Ct);
        var change = Builders.Venue(name: "Hijacked");
        change.CityId = "";

        var denied = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.UpdateVenueAsync(new UpdateVenueRequest { Id = venue.Id, Venue = change }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var screenDenied = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateScreenAsync(new CreateScreenRequest { VenueId = venue.Id, Screen = Builders.Screen() }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, screenDenied.StatusCode);
        var deleteDenied = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.DeleteVenueAsync(new DeleteVenueRequest { Id = venue.Id }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, deleteDenied.StatusCode);
        Assert.Equal("Kino Eins", (await fixture.Client.GetVenueAsync(new GetVenueRequest { Id = venue.Id }, cancellationToken: Ct)).Name);

        var byAdmin = await fixture.Client.UpdateVenueAsync(new UpdateVenueRequest { Id = venue.Id, Venue = change }, fixture.AsAdmin, cancellationToken: Ct);
        Assert.Equal("Hijacked", byAdmin.Name);
        Assert.Equal(CatalogFixture.PartnerA, byAdmin.OwnerId);   // an admin's edit does not take the venue over
    }

    [Fact]
    public async Task Partner_B_cannot_schedule_or_cancel_shows_on_partner_A_screen()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(500));
        var denied = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateShowAsync(new CreateShowRequest { Show = show }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        var created = await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = show }, fixture.AsPartnerA, cancellationToken: Ct);
        var cancelDenied = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CancelShowAsync(new CancelShowRequest { Id = created.Id }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, cancelDenied.StatusCode);
        var cancelled = await fixture.Client.CancelShowAsync(new CancelShowRequest { Id = created.Id }, fixture.AsAdmin, cancellationToken: Ct);
        Assert.Equal(ShowStatus.Cancelled, cancelled.Status);
    }

    [Fact]
    public async Task Customers_and_anonymous_callers_cannot_write()
    {
        var customer = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue() }, fixture.AsCustomer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, customer.StatusCode);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue() }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_venue_with_shows_cannot_be_deleted()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(600)) }, fixture.AsPartnerA, cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.DeleteVenueAsync(new DeleteVenueRequest { Id = a.Venue.Id }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
    }

    [Fact]
    public async Task Seats_list_prices_each_seat_by_category_and_leaves_out_blocked_seats()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var show = await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(700), 900, 1500) }, fixture.AsPartnerA, cancellationToken: Ct);
        var seats = await fixture.Client.ListShowSeatsAsync(new ListShowSeatsRequest { Id = show.Id }, cancellationToken: Ct);
        Assert.Equal(11, seats.Seats.Count);                        // 3 rows × 4, A1 blocked
        Assert.DoesNotContain(seats.Seats, s => s.Label == "A1");
        Assert.All(seats.Seats, s => Assert.Equal(SeatStatus.Available, s.Status));
        Assert.All(seats.Seats, s => Assert.Equal(s.Category == "premium" ? 1500 : 900, s.PriceMinor));
        Assert.Equal(4, seats.Seats.Count(s => s.Row == "C" && s.Category == "premium"));
    }
}
