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
