using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Npgsql;

namespace Mesh.Booking.Tests;

/// <summary>What the catalog asks booking, anonymously: HELD/BOOKED seats of a show, places taken per slot.</summary>
public sealed class SeatStatusTests(BookingFixture fixture) : IClassFixture<BookingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Seat_status_shows_held_and_booked_seats_and_forgets_expired_ones()
    {
        var (showId, seats) = fixture.AddShow(6);
        var held = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seats[0], seats[1] } }, fixture.As("status-held"), cancellationToken: Ct);
        var booked = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seats[2] } }, fixture.As("status-booked"), cancellationToken: Ct);
        await MakePermanentAsync(fixture, booked.Id);

        var status = await fixture.Client.ListSeatStatusAsync(new ListSeatStatusRequest { ShowId = showId }, cancellationToken: Ct);   // no token
        var byId = status.Seats.ToDictionary(s => s.SeatId, s => s.State);
        Assert.Equal(3, byId.Count);
        Assert.Equal(SeatState.SeatHeld, byId[seats[0]]);
        Assert.Equal(SeatState.SeatHeld, byId[seats[1]]);
        Assert.Equal(SeatState.SeatBooked, byId[seats[2]]);

        fixture.Clock.Advance(TimeSpan.FromMinutes(11));   // the hold expires, the booking does not
        var later = await fixture.Client.ListSeatStatusAsync(new ListSeatStatusRequest { ShowId = showId }, cancellationToken: Ct);
        var only = Assert.Single(later.Seats);
        Assert.Equal((seats[2], SeatState.SeatBooked), (only.SeatId, only.State));
        Assert.Equal(HoldStatus.Expired, (await fixture.Client.GetHoldAsync(new GetHoldRequest { Id = held.Id }, fixture.As("status-held"), cancellationToken: Ct)).Status);
    }

    [Fact]
    public async Task Slot_usage_sums_live_claims_per_slot_in_the_range()
    {
        var (serviceId, ten) = fixture.AddService(capacity: 6);
        var eleven = ten.AddHours(1);
        await Hold("usage-a", serviceId, ten, 2);
        await Hold("usage-b", serviceId, ten, 3);
        await Hold("usage-c", serviceId, eleven, 1);

        var usage = await fixture.Client.ListSlotUsageAsync(new ListSlotUsageRequest
        {
            ServiceId = serviceId, From = Timestamp.FromDateTime(ten.AddHours(-1)), To = Timestamp.FromDateTime(ten.AddHours(12)),
        }, cancellationToken: Ct);
        Assert.Equal([(ten, 5), (eleven, 1)], usage.Slots.Select(s => (s.SlotStart.ToDateTime(), s.Taken)));

        var narrow = await fixture.Client.ListSlotUsageAsync(new ListSlotUsageRequest
        {
            ServiceId = serviceId, From = Timestamp.FromDateTime(eleven), To = Timestamp.FromDateTime(eleven.AddMinutes(1)),
        }, cancellationToken: Ct);
        Assert.Equal([(eleven, 1)], narrow.Slots.Select(s => (s.SlotStart.ToDateTime(), s.Taken)));
    }

    private Task<Hold> Hold(string user, string serviceId, DateTime start, int quantity) =>
        fixture.Client.CreateHoldAsync(new CreateHoldRequest { ServiceId = serviceId, SlotStart = Timestamp.FromDateTime(start), Quantity = quantity },
            fixture.As(user), cancellationToken: Ct).ResponseAsync;

    /// <summary>What a confirmed checkout does to the hold's claims (the shared claim lifecycle).</summary>
    internal static async Task MakePermanentAsync(BookingFixture fixture, string holdId)
    {
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await using var transaction = await db.BeginTransactionAsync(Ct);
        await HoldClaims.MakePermanentAsync(transaction, Guid.Parse(holdId));
        await transaction.CommitAsync(Ct);
    }
}
