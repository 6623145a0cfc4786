using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Npgsql;

namespace Mesh.Booking.Tests;

/// <summary>Many clients wanting the same seats at once: every seat goes to exactly one hold, checked in the database.</summary>
public sealed class ContentionTests(BookingFixture fixture) : IClassFixture<BookingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Five_hundred_clients_for_a_hundred_seats_hold_each_seat_exactly_once()
    {
        var (showId, seats) = fixture.AddShow(100);
        // Five contenders per seat, in shuffled order, each a different user.
        var wanted = Enumerable.Range(0, 500).Select(i => seats[i % 100]).OrderBy(_ => Random.Shared.Next()).ToList();
        var results = await Task.WhenAll(wanted.Select((seat, i) => TryHoldAsync($"crowd-{i}", showId, seat)));

        var winners = results.Where(r => r.Hold is not null).ToList();
        Assert.Equal(100, winners.Count);
        Assert.Equal(100, winners.Select(w => w.Seat).Distinct().Count());
        foreach (var loser in results.Where(r => r.Hold is null))
        {
            Assert.Equal(StatusCode.FailedPrecondition, loser.Error!.StatusCode);
            Assert.Equal([loser.Seat], Errors.TakenSeats(loser.Error));
            Assert.Contains(loser.Seat, loser.Error.Status.Detail);
        }
        var claims = await ClaimsAsync(showId);
        Assert.Equal(100, claims.Count);
        Assert.Equal(seats.Order(), claims.Keys.Order());
        Assert.All(claims.Values, holdsPerSeat => Assert.Equal(1, holdsPerSeat));
        Assert.Equal(winners.Select(w => w.Hold!.Id).Order(), (await HoldIdsAsync(showId)).Order());
    }

    [Fact]
    public async Task Two_hundred_clients_for_one_seat_leave_exactly_one_winner()
    {
        var (showId, seats) = fixture.AddShow(5);
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => TryHoldAsync($"single-{i}", showId, seats[2])));

        Assert.Single(results, r => r.Hold is not null);
        Assert.All(results.Where(r => r.Hold is null), r => Assert.Equal([seats[2]], Errors.TakenSeats(r.Error!)));
        Assert.Equal(1, (await ClaimsAsync(showId))[Guid.Parse(seats[2]).ToString()]);
    }

    [Fact]
    public async Task Overlapping_groups_are_all_or_nothing()
    {
        var (showId, seats) = fixture.AddShow(10);
        var first = await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seats[0], seats[1] } }, fixture.As("group-a"), cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateHoldAsync(
            new CreateHoldRequest { ShowId = showId, SeatIds = { seats[1], seats[2], seats[0] } }, fixture.As("group-b"), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal(new[] { seats[0], seats[1] }.Order(), Errors.TakenSeats(e).Order());
        var claims = await ClaimsAsync(showId);
        Assert.Equal(2, claims.Count);   // seat 2 was not claimed by the failed hold
        Assert.Equal([first.Id], await HoldIdsAsync(showId));
    }

    private async Task<(string Seat, Hold? Hold, RpcException? Error)> TryHoldAsync(string user, string showId, string seat)
    {
        try
        {
            return (seat, await fixture.Client.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seat } }, fixture.As(user), cancellationToken: Ct), null);
        }
        catch (RpcException e)
        {
            return (seat, null, e);
        }
    }

    /// <summary>Claims per seat of the show, straight from the database.</summary>
    private async Task<Dictionary<string, int>> ClaimsAsync(string showId)
    {
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT seat_id::text, count(*)::int FROM seat_claims WHERE show_id = @show GROUP BY seat_id", db);
        command.Parameters.AddWithValue("show", Guid.Parse(showId));
        var result = new Dictionary<string, int>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct)) result[reader.GetString(0)] = reader.GetInt32(1);
        return result;
    }

    private async Task<List<string>> HoldIdsAsync(string showId)
    {
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT id::text FROM holds WHERE show_id = @show", db);
        command.Parameters.AddWithValue("show", Guid.Parse(showId));
        var result = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct)) result.Add(reader.GetString(0));
        return result;
    }
}
