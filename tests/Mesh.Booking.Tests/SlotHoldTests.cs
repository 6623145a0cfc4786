using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Npgsql;

namespace Mesh.Booking.Tests;

/// <summary>Holds on places of a service slot: priced by the catalog, capacity exact under concurrency and enforced by the database.</summary>
public sealed class SlotHoldTests(BookingFixture fixture) : IClassFixture<BookingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CreateHoldRequest Slot(string serviceId, DateTime start, int quantity) =>
        new() { ServiceId = serviceId, SlotStart = Timestamp.FromDateTime(start), Quantity = quantity };

    private Task<Hold> HoldAsync(string user, string serviceId, DateTime start, int quantity) =>
        fixture.Client.CreateHoldAsync(Slot(serviceId, start, quantity), fixture.As(user), cancellationToken: Ct).ResponseAsync;

    [Fact]
    public async Task A_slot_hold_is_priced_per_place_and_reads_back_with_its_slot()
    {
        var (serviceId, start) = fixture.AddService(capacity: 5);
        var hold = await HoldAsync("slot-pricing", serviceId, start, 3);
        Assert.Equal(3 * FakeCatalog.PlacePrice, hold.AmountMinor);
        Assert.Equal("EUR", hold.Currency);
        Assert.Equal(HoldStatus.Active, hold.Status);

        var read = await fixture.Client.GetHoldAsync(new GetHoldRequest { Id = hold.Id }, fixture.As("slot-pricing"), cancellationToken: Ct);
        Assert.Equal(serviceId, read.ServiceId);
        Assert.Equal(start, read.SlotStart.ToDateTime());
        Assert.Equal(3, read.Quantity);
        Assert.Equal("", read.ShowId);
        Assert.Empty(read.Seats);
    }

    [Fact]
    public async Task An_afternoon_slot_is_found_on_its_local_date_not_its_UTC_date()
    {
        // 15:00 in Honolulu (UTC-10) is 01:00 UTC of the next day.
        var (serviceId, start) = fixture.AddService(capacity: 2, hour: 15);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(FakeCatalog.CityZone);
        Assert.NotEqual(DateOnly.FromDateTime(start), DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(start, zone)));
        var hold = await HoldAsync("local-date", serviceId, start, 1);
        Assert.Equal(HoldStatus.Active, hold.Status);
    }

    [Fact]
    public async Task A_service_beyond_the_first_page_of_the_catalog_is_found()
    {
        for (var i = 0; i < 230; i++) fixture.Catalog.AddService(capacity: 1);   // the catalog lists 100 per page
        var (serviceId, start) = fixture.AddService(capacity: 2);
        var hold = await HoldAsync("paging", serviceId, start, 1);
        Assert.Equal(serviceId, hold.ServiceId);
    }

    [Fact]
    public async Task Concurrent_clients_never_take_more_than_the_capacity()
    {
        const int capacity = 40;
        var (serviceId, start) = fixture.AddService(capacity);
        // 120 users × 2 places for 40 places: exactly 20 win and every place is taken.
        var results = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => TryHoldAsync($"pairs-{i}", serviceId, start, 2)));

        Assert.Equal(capacity / 2, results.Count(r => r.Hold is not null));
        foreach (var loser in results.Where(r => r.Hold is null))
        {
            Assert.Equal(StatusCode.FailedPrecondition, loser.Error!.StatusCode);
            Assert.Equal("SLOT_FULL", Errors.Reason(loser.Error));
            Assert.Equal("0", Errors.Metadata(loser.Error, "available"));
        }
        Assert.Equal((capacity, capacity), await PlacesInDatabaseAsync(serviceId, start));
    }

    [Fact]
    public async Task Mixed_quantities_fill_the_slot_without_overfilling_it()
    {
        const int capacity = 25;
        var (serviceId, start) = fixture.AddService(capacity);
        var results = await Task.WhenAll(Enumerable.Range(0, 90).Select(i => TryHoldAsync($"mixed-{i}", serviceId, start, 1 + i % 3)));

        var taken = results.Where(r => r.Hold is not null).Sum(r => r.Quantity);
        Assert.InRange(taken, capacity - 2, capacity);   // 1-place requests keep coming, so at most 2 places stay free
        foreach (var loser in results.Where(r => r.Hold is null))
            Assert.True(int.Parse(Errors.Metadata(loser.Error!, "available"), System.Globalization.CultureInfo.InvariantCulture) < loser.Quantity);
        Assert.Equal((taken, taken), await PlacesInDatabaseAsync(serviceId, start));
    }

    [Fact]
    public async Task Released_and_expired_places_are_free_again()
    {
        var (serviceId, start) = fixture.AddService(capacity: 4);
        var first = await HoldAsync("slot-a", serviceId, start, 3);
        var full = await Assert.ThrowsAsync<RpcException>(() => HoldAsync("slot-b", serviceId, start, 2));
        Assert.Equal("1", Errors.Metadata(full, "available"));

        await fixture.Client.ReleaseHoldAsync(new ReleaseHoldRequest { Id = first.Id }, fixture.As("slot-a"), cancellationToken: Ct);
        await HoldAsync("slot-b", serviceId, start, 4);
        Assert.Equal((4, 4), await PlacesInDatabaseAsync(serviceId, start));

        // Expiry: the next hold reclaims the expired places before it counts, sweep or not.
        fixture.Clock.Advance(TimeSpan.FromMinutes(11));
        await HoldAsync("slot-c", serviceId, start, 4);
        Assert.Equal((4, 4), await PlacesInDatabaseAsync(serviceId, start));
    }

    [Fact]
    public async Task The_database_refuses_an_overfill_whatever_the_code_does()
    {
        var (serviceId, start) = fixture.AddService(capacity: 2);
        var hold = await HoldAsync("db-guard", serviceId, start, 2);
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        // A claim written past the code's checks (another hold's id reused for brevity: a second claim row per hold is impossible, so add a hold row).
        await using (var insertHold = new NpgsqlCommand("""
            INSERT INTO holds (id, user_id, service_id, slot_start, quantity, currency, amount_minor, create_time, expires_at)
            SELECT @id, 'intruder', service_id, slot_start, 1, currency, 0, create_time, expires_at FROM holds WHERE id = @hold
            """, db))
        {
            insertHold.Parameters.AddWithValue("id", Guid.NewGuid());
            insertHold.Parameters.AddWithValue("hold", Guid.Parse(hold.Id));
            await insertHold.ExecuteNonQueryAsync(Ct);
        }
        await using var claim = new NpgsqlCommand("""
            INSERT INTO slot_claims (hold_id, service_id, slot_start, quantity, expires_at)
            SELECT id, service_id, slot_start, 1, expires_at FROM holds WHERE user_id = 'intruder' AND service_id = @service
            """, db);
        claim.Parameters.AddWithValue("service", Guid.Parse(serviceId));
        var e = await Assert.ThrowsAsync<PostgresException>(() => claim.ExecuteNonQueryAsync(Ct));
        Assert.Equal("slot_usage_within_capacity", e.ConstraintName);
    }

    [Fact]
    public async Task Unknown_services_and_slots_past_or_not_generated_are_refused()
    {
        var (serviceId, start) = fixture.AddService(capacity: 3);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => HoldAsync("slot-refused", Guid.NewGuid().ToString(), start, 1));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        var offGrid = await Assert.ThrowsAsync<RpcException>(() => HoldAsync("slot-refused", serviceId, start.AddMinutes(30), 1));
        Assert.Equal(StatusCode.InvalidArgument, offGrid.StatusCode);
        Assert.Contains("slot_start", Errors.Fields(offGrid));

        var past = await Assert.ThrowsAsync<RpcException>(() => HoldAsync("slot-refused", serviceId, FakeCatalog.SlotStart(fixture.Clock.GetUtcNow().UtcDateTime, -1), 1));
        Assert.Equal(StatusCode.FailedPrecondition, past.StatusCode);
        Assert.Equal("SLOT_NOT_BOOKABLE", Errors.Reason(past));

        var tooMany = await Assert.ThrowsAsync<RpcException>(() => HoldAsync("slot-refused", serviceId, start, 4));
        Assert.Equal("SLOT_FULL", Errors.Reason(tooMany));
        Assert.Equal("3", Errors.Metadata(tooMany, "available"));
    }

    private async Task<(int Quantity, Hold? Hold, RpcException? Error)> TryHoldAsync(string user, string serviceId, DateTime start, int quantity)
    {
        try
        {
            return (quantity, await HoldAsync(user, serviceId, start, quantity), null);
        }
        catch (RpcException e)
        {
            return (quantity, null, e);
        }
    }

    /// <summary>The slot's counter and the sum of its live claims, straight from the database.</summary>
    private async Task<(int Counter, int Claims)> PlacesInDatabaseAsync(string serviceId, DateTime start)
    {
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT taken FROM slot_usage WHERE service_id = @service AND slot_start = @start),
                   (SELECT coalesce(sum(quantity), 0)::int FROM slot_claims WHERE service_id = @service AND slot_start = @start AND expires_at > @now)
            """, db);
        command.Parameters.AddWithValue("service", Guid.Parse(serviceId));
        command.Parameters.AddWithValue("start", start);
        command.Parameters.AddWithValue("now", fixture.Clock.GetUtcNow().UtcDateTime);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }
}
