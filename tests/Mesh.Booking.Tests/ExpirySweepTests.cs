using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Npgsql;

namespace Mesh.Booking.Tests;

/// <summary>
/// The sweeper records expired holds, frees their claims and announces each once (booking.hold_expired) through the
/// outbox; holds about to expire are warned once each (booking.hold_expiring).
/// </summary>
public sealed class ExpirySweepTests(BookingFixture fixture) : IClassFixture<BookingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Expired_holds_are_recorded_freed_and_announced_once()
    {
        var (showId, seats) = fixture.AddShow(5);
        var seatHold = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seats[0], seats[1] } }, fixture.As("sweep-seats"), cancellationToken: Ct);
        var (serviceId, start) = fixture.AddService(capacity: 4);
        var slotHold = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ServiceId = serviceId, SlotStart = Timestamp.FromDateTime(start), Quantity = 3 }, fixture.As("sweep-slot"), cancellationToken: Ct);
        var kept = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seats[2] } }, fixture.As("sweep-kept"), cancellationToken: Ct);
        await fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = kept.Id }, fixture.As("sweep-kept"), cancellationToken: Ct);

        Assert.Equal(0, await fixture.Sweeper.SweepAsync(Ct));   // nothing has expired yet
        fixture.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var swept = await fixture.Sweeper.SweepAsync(Ct);
        Assert.True(swept >= 2, $"swept {swept}");   // other tests of this class may leave expired holds too

        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        var ids = new[] { Guid.Parse(seatHold.Id), Guid.Parse(slotHold.Id), Guid.Parse(kept.Id) };
        Assert.Equal(2, await ScalarAsync<long>(db, "SELECT count(*) FROM holds WHERE id = ANY(@ids) AND expired_at IS NOT NULL", ids));
        Assert.Equal(0, await ScalarAsync<long>(db, "SELECT count(*) FROM seat_claims WHERE hold_id = ANY(@ids)", ids));
        Assert.Equal(0, await ScalarAsync<long>(db, "SELECT count(*) FROM slot_claims WHERE hold_id = ANY(@ids)", ids));
        await using (var usage = new NpgsqlCommand("SELECT taken FROM slot_usage WHERE service_id = @service", db))
        {
            usage.Parameters.AddWithValue("service", Guid.Parse(serviceId));
            Assert.Equal(0, (int)(await usage.ExecuteScalarAsync(Ct))!);   // the trigger gave the places back
        }

        var events = await HoldExpiredEventsAsync(db);
        var seatEvent = Assert.Single(events, e => e.GetProperty("HoldId").GetString() == seatHold.Id);
        Assert.Equal("sweep-seats", seatEvent.GetProperty("UserId").GetString());
        Assert.Equal(showId, seatEvent.GetProperty("ShowId").GetString());
        Assert.Equal(JsonValueKind.Null, seatEvent.GetProperty("ServiceId").ValueKind);
        Assert.Equal(seatHold.ExpiresAt.ToDateTime(), seatEvent.GetProperty("ExpiredAt").GetDateTime().ToUniversalTime());
        var slotEvent = Assert.Single(events, e => e.GetProperty("HoldId").GetString() == slotHold.Id);
        Assert.Equal(serviceId, slotEvent.GetProperty("ServiceId").GetString());
        Assert.DoesNotContain(events, e => e.GetProperty("HoldId").GetString() == kept.Id);   // released, not expired

        // A second sweep finds nothing new: one event per hold.
        Assert.Equal(0, await fixture.Sweeper.SweepAsync(Ct));
        Assert.Equal(events.Count, (await HoldExpiredEventsAsync(db)).Count);
        Assert.Equal(HoldStatus.Expired, (await fixture.Client.GetHoldAsync(new GetHoldRequest { Id = seatHold.Id }, fixture.As("sweep-seats"), cancellationToken: Ct)).Status);
    }

    [Fact]
    public async Task A_hold_about_to_expire_is_warned_once_and_a_released_or_booked_one_never()
    {
        var (showId, seats) = fixture.AddShow(4);
        var warned = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seats[0] } }, fixture.As("warn-seats"), cancellationToken: Ct);
        var (serviceId, start) = fixture.AddService(capacity: 4);
        var slot = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ServiceId = serviceId, SlotStart = Timestamp.FromDateTime(start), Quantity = 2 }, fixture.As("warn-slot"), cancellationToken: Ct);
        var released = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seats[1] } }, fixture.As("warn-released"), cancellationToken: Ct);
        await fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = released.Id }, fixture.As("warn-released"), cancellationToken: Ct);

        await fixture.Sweeper.SweepAsync(Ct);
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        Assert.DoesNotContain(await EventsAsync(db, "booking.hold_expiring"), e => e.GetProperty("HoldId").GetString() == warned.Id); // 10 minutes left: too early

        // Within the default 2-minute warning: warned, by two sweeps still once; the hold stays active.
        fixture.Clock.Advance(TimeSpan.FromMinutes(8) + TimeSpan.FromSeconds(30));
        await fixture.Sweeper.SweepAsync(Ct);
        await fixture.Sweeper.SweepAsync(Ct);
        var events = await EventsAsync(db, "booking.hold_expiring");
        var seatEvent = Assert.Single(events, e => e.GetProperty("HoldId").GetString() == warned.Id);
        Assert.Equal(("warn-seats", showId, JsonValueKind.Null), (seatEvent.GetProperty("UserId").GetString(), seatEvent.GetProperty("ShowId").GetString(), seatEvent.GetProperty("ServiceId").ValueKind));
        Assert.Equal(warned.ExpiresAt.ToDateTime(), seatEvent.GetProperty("ExpiresAt").GetDateTime().ToUniversalTime());
        var slotEvent = Assert.Single(events, e => e.GetProperty("HoldId").GetString() == slot.Id);
        Assert.Equal(serviceId, slotEvent.GetProperty("ServiceId").GetString());
        Assert.DoesNotContain(events, e => e.GetProperty("HoldId").GetString() == released.Id);
        var ids = new[] { Guid.Parse(warned.Id), Guid.Parse(slot.Id), Guid.Parse(released.Id) };
        Assert.Equal(2, await ScalarAsync<long>(db, "SELECT count(*) FROM holds WHERE id = ANY(@ids) AND warned_at IS NOT NULL", ids));
        Assert.Equal(HoldStatus.Active, (await fixture.Client.GetHoldAsync(new GetHoldRequest { Id = warned.Id }, fixture.As("warn-seats"), cancellationToken: Ct)).Status);

        // When it then expires it is announced as expired, and never warned again.
        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        await fixture.Sweeper.SweepAsync(Ct);
        Assert.Single(await EventsAsync(db, "booking.hold_expired"), e => e.GetProperty("HoldId").GetString() == warned.Id);
        Assert.Single(await EventsAsync(db, "booking.hold_expiring"), e => e.GetProperty("HoldId").GetString() == warned.Id);
    }

    private static async Task<List<JsonElement>> EventsAsync(NpgsqlConnection db, string type)
    {
        await using var command = new NpgsqlCommand("SELECT body FROM mesh_outbox WHERE type = @type ORDER BY seq", db);
        command.Parameters.AddWithValue("type", type);
        var events = new List<JsonElement>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct)) events.Add(JsonDocument.Parse((byte[])reader[0]).RootElement.Clone());
        return events;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection db, string sql, Guid[] ids)
    {
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("ids", ids);
        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<List<JsonElement>> HoldExpiredEventsAsync(NpgsqlConnection db)
    {
        await using var command = new NpgsqlCommand("SELECT body FROM mesh_outbox WHERE type = 'booking.hold_expired' ORDER BY seq", db);
        var events = new List<JsonElement>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct)) events.Add(JsonDocument.Parse((byte[])reader[0]).RootElement.Clone());
        return events;
    }
}
