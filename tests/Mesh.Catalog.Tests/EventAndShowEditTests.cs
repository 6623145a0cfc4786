using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;

namespace Mesh.Catalog.Tests;

/// <summary>Events listed by partner and genre, edited by mask and deleted only without future shows; shows moved and repriced.</summary>
public sealed class EventAndShowEditTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private Mesh.Catalog.V1.Catalog.CatalogClient Client => fixture.Client;

    private Task<Show> ScheduleAsync(Scenario a, int hoursAhead, Metadata? partner = null) =>
        Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(hoursAhead)) }, partner ?? fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync;

    [Fact]
    public async Task Events_are_listed_by_partner_and_genre_in_stable_pages()
    {
        var partner = $"partner-{Guid.NewGuid():N}";
        var auth = fixture.Tokens.As(partner, "partner");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
            ids.Add((await Client.CreateEventAsync(new CreateEventRequest { Event = Builders.Event($"Event {i}", i % 2 == 0 ? "comedy" : "drama") }, auth, cancellationToken: Ct)).Id);

        var seen = new List<string>();
        var request = new ListEventsRequest { Partner = partner, PageSize = 2 };
        for (var page = 0; page < 10; page++)
        {
            var response = await Client.ListEventsAsync(request, cancellationToken: Ct);
            seen.AddRange(response.Events.Select(e => e.Id));
            if (response.NextPageToken.Length == 0) break;
            request = new ListEventsRequest { Partner = partner, PageSize = 2, PageToken = response.NextPageToken };
        }
        Assert.Equal(ids, seen);
        var comedies = await Client.ListEventsAsync(new ListEventsRequest { Partner = partner, Genre = "comedy" }, cancellationToken: Ct);
        Assert.Equal([ids[0], ids[2], ids[4]], comedies.Events.Select(e => e.Id));
        var token = await Client.ListEventsAsync(new ListEventsRequest { Partner = partner, PageSize = 2 }, cancellationToken: Ct);
        var wrongFilter = await Assert.ThrowsAsync<RpcException>(() => Client.ListEventsAsync(new ListEventsRequest { Genre = "drama", PageToken = token.NextPageToken }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, wrongFilter.StatusCode);
    }

    [Fact]
    public async Task Updating_an_event_by_mask_changes_only_those_fields_and_the_cached_show_follows()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var show = await ScheduleAsync(a, 100);
        await Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct);   // cached now

        var updated = await Client.UpdateEventAsync(new UpdateEventRequest
        {
            Id = a.Event.Id, Event = new Event { Title = "Hamlet, Prince of Denmark", DurationMinutes = 1 }, UpdateMask = new FieldMask { Paths = { "title" } },
        }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal(("Hamlet, Prince of Denmark", 120, "play"), (updated.Title, updated.DurationMinutes, updated.Kind));
        Assert.Equal("Hamlet, Prince of Denmark", (await Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct)).Event.Title);

        var denied = await Assert.ThrowsAsync<RpcException>(() => Client.UpdateEventAsync(new UpdateEventRequest
        {
            Id = a.Event.Id, Event = new Event { Title = "Mine now" }, UpdateMask = new FieldMask { Paths = { "title" } },
        }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task A_longer_duration_moves_show_ends_but_never_into_an_overlap()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var first = await ScheduleAsync(a, 200);                 // 120 minutes
        await ScheduleAsync(a, 203);                             // starts an hour after the first ends
        var longer = new UpdateEventRequest { Id = a.Event.Id, Event = new Event { DurationMinutes = 150 }, UpdateMask = new FieldMask { Paths = { "duration_minutes" } } };
        await Client.UpdateEventAsync(longer, fixture.AsPartnerA, cancellationToken: Ct);
        var moved = await Client.GetShowAsync(new GetShowRequest { Id = first.Id }, cancellationToken: Ct);
        Assert.Equal(first.StartTime.ToDateTime().AddMinutes(150), moved.EndTime.ToDateTime());

        longer.Event.DurationMinutes = 240;
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.UpdateEventAsync(longer, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("SHOWS_OVERLAP", e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
        Assert.Equal(150, (await Client.GetEventAsync(new GetEventRequest { Id = a.Event.Id }, cancellationToken: Ct)).DurationMinutes);
    }

    [Fact]
    public async Task An_event_with_scheduled_future_shows_cannot_be_deleted()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        await ScheduleAsync(a, 300);
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.DeleteEventAsync(new DeleteEventRequest { Id = a.Event.Id }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("EVENT_HAS_SCHEDULED_SHOWS", e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);

        var unused = await Client.CreateEventAsync(new CreateEventRequest { Event = Builders.Event("Never shown") }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() =>
            Client.DeleteEventAsync(new DeleteEventRequest { Id = unused.Id }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync)).StatusCode);
        await Client.DeleteEventAsync(new DeleteEventRequest { Id = unused.Id }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
            Client.GetEventAsync(new GetEventRequest { Id = unused.Id }, cancellationToken: Ct).ResponseAsync)).StatusCode);
    }

    [Fact]
    public async Task A_show_is_moved_and_repriced_while_overlaps_and_the_past_are_refused()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var show = await ScheduleAsync(a, 400);
        var other = await ScheduleAsync(a, 410);
        await Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct);   // cached now

        var newStart = Builders.HoursAhead(405);
        var moved = await Client.UpdateShowAsync(new UpdateShowRequest
        {
            Id = show.Id, Show = new Show { StartTime = Timestamp.FromDateTime(newStart), Currency = "USD" }, UpdateMask = new FieldMask { Paths = { "start_time" } },
        }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal((newStart, newStart.AddMinutes(120), "EUR"), (moved.StartTime.ToDateTime(), moved.EndTime.ToDateTime(), moved.Currency));
        Assert.Equal(newStart, (await Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct)).StartTime.ToDateTime());

        var repriced = await Client.UpdateShowAsync(new UpdateShowRequest
        {
            Id = show.Id, UpdateMask = new FieldMask { Paths = { "prices" } },
            Show = new Show { Prices = { new CategoryPrice { Category = "standard", PriceMinor = 999 }, new CategoryPrice { Category = "premium", PriceMinor = 1999 } } },
        }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal(999, repriced.Prices.Single(p => p.Category == "standard").PriceMinor);

        var overlap = await Assert.ThrowsAsync<RpcException>(() => Client.UpdateShowAsync(new UpdateShowRequest
        {
            Id = show.Id, Show = new Show { StartTime = other.StartTime }, UpdateMask = new FieldMask { Paths = { "start_time" } },
        }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("SHOWS_OVERLAP", overlap.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);

        var past = await Assert.ThrowsAsync<RpcException>(() => Client.UpdateShowAsync(new UpdateShowRequest
        {
            Id = show.Id, Show = new Show { StartTime = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(-2)) }, UpdateMask = new FieldMask { Paths = { "start_time" } },
        }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, past.StatusCode);

        var denied = await Assert.ThrowsAsync<RpcException>(() => Client.UpdateShowAsync(new UpdateShowRequest
        {
            Id = show.Id, Show = new Show { Currency = "USD" }, UpdateMask = new FieldMask { Paths = { "currency" } },
        }, fixture.AsPartnerB, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(newStart, (await Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct)).StartTime.ToDateTime());
    }

    [Fact]
    public async Task A_show_moves_to_another_screen_of_its_partner_only()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var b = await Scenario.CreateAsync(fixture, fixture.AsPartnerB);
        var second = await Client.CreateScreenAsync(new CreateScreenRequest { VenueId = a.Venue.Id, Screen = Builders.Screen("Saal 2") }, fixture.AsPartnerA, cancellationToken: Ct);
        var show = await ScheduleAsync(a, 500);
        var moved = await Client.UpdateShowAsync(new UpdateShowRequest
        {
            Id = show.Id, Show = new Show { ScreenId = second.Id }, UpdateMask = new FieldMask { Paths = { "screen_id" } },
        }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal(second.Id, moved.ScreenId);

        var foreign = await Assert.ThrowsAsync<RpcException>(() => Client.UpdateShowAsync(new UpdateShowRequest
        {
            Id = show.Id, Show = new Show { ScreenId = b.Screen.Id }, UpdateMask = new FieldMask { Paths = { "screen_id" } },
        }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, foreign.StatusCode);

        await Client.CancelShowAsync(new CancelShowRequest { Id = show.Id }, fixture.AsPartnerA, cancellationToken: Ct);
        var cancelled = await Assert.ThrowsAsync<RpcException>(() => Client.UpdateShowAsync(new UpdateShowRequest
        {
            Id = show.Id, Show = new Show { Currency = "USD" }, UpdateMask = new FieldMask { Paths = { "currency" } },
        }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync);
        Assert.Equal("SHOW_NOT_SCHEDULED", cancelled.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason);
    }
}
