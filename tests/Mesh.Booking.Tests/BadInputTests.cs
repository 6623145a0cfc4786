using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;

namespace Mesh.Booking.Tests;

/// <summary>Bad input → INVALID_ARGUMENT naming the field; nothing is held.</summary>
public sealed class BadInputTests(BookingFixture fixture) : IClassFixture<BookingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Cases => new()
    {
        { "show=", "show_id" },
        { "show=not-a-uuid", "show_id" },
        { "no-seats", "seat_ids" },
        { "too-many-seats", "seat_ids" },
        { "seat=x", "seat_ids[1]" },
        { "duplicate", "seat_ids[1]" },
        { "unknown-seat", "seat_ids" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Create_hold(string change, string field)
    {
        var (showId, seats) = fixture.AddShow();
        var request = new CreateHoldRequest { ShowId = showId, SeatIds = { seats[0], seats[1] } };
        var unknown = Guid.NewGuid().ToString();
        switch (change)
        {
            case "show=": request.ShowId = ""; break;
            case "show=not-a-uuid": request.ShowId = "not-a-uuid"; break;
            case "no-seats": request.SeatIds.Clear(); break;
            case "too-many-seats": request.SeatIds.Clear(); request.SeatIds.AddRange(seats.Take(11)); break;
            case "seat=x": request.SeatIds[1] = "x"; break;
            case "duplicate": request.SeatIds[1] = seats[0]; break;
            case "unknown-seat": request.SeatIds[1] = unknown; break;
        }
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateHoldAsync(request, fixture.As("bad-input"), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(field, Errors.Fields(e));
        if (change == "unknown-seat") Assert.Contains(unknown, e.Status.Detail);
        // Nothing was held: the valid seat is still free.
        var ok = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seats[0] } }, fixture.As($"after-{change}"), cancellationToken: Ct);
        Assert.Single(ok.Seats);
    }

    public static TheoryData<string, string> SlotCases => new()
    {
        { "both", "show_id" },
        { "both", "service_id" },
        { "neither", "show_id" },
        { "neither", "service_id" },
        { "service=", "service_id" },
        { "service=x", "service_id" },
        { "no-slot-start", "slot_start" },
        { "slot-start-nanos", "slot_start" },
        { "quantity=0", "quantity" },
        { "quantity=-1", "quantity" },
        { "quantity=11", "quantity" },
    };

    [Theory]
    [MemberData(nameof(SlotCases))]
    public async Task Create_slot_hold(string change, string field)
    {
        var (serviceId, start) = fixture.AddService(capacity: 20);
        var request = new CreateHoldRequest { ServiceId = serviceId, SlotStart = Timestamp.FromDateTime(start), Quantity = 2 };
        switch (change)
        {
            case "both": var (showId, seats) = fixture.AddShow(); request.ShowId = showId; request.SeatIds.Add(seats[0]); break;
            case "neither": request = new CreateHoldRequest(); break;
            case "service=": request.ServiceId = ""; break;
            case "service=x": request.ServiceId = "x"; break;
            case "no-slot-start": request.SlotStart = null; break;
            case "slot-start-nanos": request.SlotStart = new Timestamp { Seconds = request.SlotStart.Seconds, Nanos = -1 }; break;
            case "quantity=0": request.Quantity = 0; request.ServiceId = serviceId; break;
            case "quantity=-1": request.Quantity = -1; break;
            case "quantity=11": request.Quantity = 11; break;
        }
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateHoldAsync(request, fixture.As("bad-slot-input"), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(field, Errors.Fields(e));
        // Nothing was held: every place of the slot is still free.
        var usage = await fixture.Client.ListSlotUsageAsync(new ListSlotUsageRequest
        {
            ServiceId = serviceId, From = Timestamp.FromDateTime(start), To = Timestamp.FromDateTime(start.AddHours(1)),
        }, cancellationToken: Ct);
        Assert.Empty(usage.Slots);
    }

    public static TheoryData<string, string> StatusCases => new()
    {
        { "seat-status show=", "show_id" },
        { "seat-status show=x", "show_id" },
        { "slot-usage service=", "service_id" },
        { "slot-usage no-from", "from" },
        { "slot-usage no-to", "to" },
        { "slot-usage to<=from", "to" },
        { "slot-usage range>92d", "to" },
        { "watch id=x", "id" },
        { "watch interval=50ms", "update_interval" },
        { "watch interval=2min", "update_interval" },
        { "watch interval-signs", "update_interval" },
    };

    [Theory]
    [MemberData(nameof(StatusCases))]
    public async Task Seat_status_slot_usage_and_watch(string change, string field)
    {
        var now = DateTime.UtcNow;
        var usage = new ListSlotUsageRequest { ServiceId = Guid.NewGuid().ToString(), From = Timestamp.FromDateTime(now), To = Timestamp.FromDateTime(now.AddDays(1)) };
        var watch = new WatchHoldRequest { Id = Guid.NewGuid().ToString() };
        Task call = change switch
        {
            "seat-status show=" => fixture.Client.ListSeatStatusAsync(new ListSeatStatusRequest(), cancellationToken: Ct).ResponseAsync,
            "seat-status show=x" => fixture.Client.ListSeatStatusAsync(new ListSeatStatusRequest { ShowId = "x" }, cancellationToken: Ct).ResponseAsync,
            "slot-usage service=" => fixture.Client.ListSlotUsageAsync(new ListSlotUsageRequest(usage) { ServiceId = "" }, cancellationToken: Ct).ResponseAsync,
            "slot-usage no-from" => fixture.Client.ListSlotUsageAsync(new ListSlotUsageRequest(usage) { From = null }, cancellationToken: Ct).ResponseAsync,
            "slot-usage no-to" => fixture.Client.ListSlotUsageAsync(new ListSlotUsageRequest(usage) { To = null }, cancellationToken: Ct).ResponseAsync,
            "slot-usage to<=from" => fixture.Client.ListSlotUsageAsync(new ListSlotUsageRequest(usage) { To = usage.From }, cancellationToken: Ct).ResponseAsync,
            "slot-usage range>92d" => fixture.Client.ListSlotUsageAsync(new ListSlotUsageRequest(usage) { To = Timestamp.FromDateTime(now.AddDays(93)) }, cancellationToken: Ct).ResponseAsync,
            "watch id=x" => FirstUpdateAsync(new WatchHoldRequest { Id = "x" }),
            "watch interval=50ms" => FirstUpdateAsync(new WatchHoldRequest(watch) { UpdateInterval = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(50)) }),
            "watch interval=2min" => FirstUpdateAsync(new WatchHoldRequest(watch) { UpdateInterval = Duration.FromTimeSpan(TimeSpan.FromMinutes(2)) }),
            _ => FirstUpdateAsync(new WatchHoldRequest(watch) { UpdateInterval = new Duration { Seconds = 1, Nanos = -5 } }),
        };
        var e = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(field, Errors.Fields(e));
    }

    private async Task FirstUpdateAsync(WatchHoldRequest request)
    {
        using var call = fixture.Client.WatchHold(request, fixture.As("bad-input"), cancellationToken: Ct);
        await call.ResponseStream.MoveNext(Ct);
    }

    [Theory]
    [InlineData("")]
    [InlineData("42")]
    public async Task Get_and_release_need_a_uuid(string id)
    {
        var get = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetHoldAsync(new GetHoldRequest { Id = id }, fixture.As("bad-input"), cancellationToken: Ct).ResponseAsync);
        var release = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = id }, fixture.As("bad-input"), cancellationToken: Ct).ResponseAsync);
        Assert.Contains("id", Errors.Fields(get));
        Assert.Contains("id", Errors.Fields(release));
    }

    [Fact]
    public async Task Unknown_show_is_not_found()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateHoldAsync(
            new CreateHoldRequest { ShowId = Guid.NewGuid().ToString(), SeatIds = { Guid.NewGuid().ToString() } }, fixture.As("bad-input"), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }
}
