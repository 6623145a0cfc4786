using Mesh.Booking.V1;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>ListMyBookings: upcoming soonest first, past latest first, paged in a stable order, only the caller's.</summary>
public sealed class HistoryTests(CheckoutFixture fixture) : IClassFixture<CheckoutFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<List<BookingRecord>> AllPagesAsync(Customer c, BookingTimeFilter when, int pageSize)
    {
        var all = new List<BookingRecord>();
        var token = "";
        do
        {
            var page = await fixture.Client.ListMyBookingsAsync(new ListMyBookingsRequest { When = when, PageSize = pageSize, PageToken = token }, c.Bearer, cancellationToken: Ct);
            Assert.True(page.Bookings.Count <= pageSize);
            all.AddRange(page.Bookings);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    [Fact]
    public async Task Upcoming_and_past_bookings_page_in_a_stable_order()
    {
        var alice = await fixture.NewCustomerAsync();
        var bob = await fixture.NewCustomerAsync();
        // Five shows 1..5 days ahead, booked in a scrambled order; two bookings share a start time (same show).
        var shows = Enumerable.Range(1, 5).Select(d => fixture.AddShow(startsIn: TimeSpan.FromDays(d))).ToList();
        var booked = new List<BookingRecord>();
        foreach (var i in new[] { 3, 0, 4, 1, 2 }) booked.Add(await fixture.BookAsync(alice, shows[i].ShowId, shows[i].SeatIds[0]));
        booked.Add(await fixture.BookAsync(alice, shows[2].ShowId, shows[2].SeatIds[1]));
        await fixture.BookAsync(bob, shows[0].ShowId, shows[0].SeatIds[5]);
        Assert.All(booked, b => Assert.Equal(BookingStatus.Confirmed, b.Status));

        var upcoming = await AllPagesAsync(alice, BookingTimeFilter.Upcoming, pageSize: 2);
        Assert.Equal(booked.Select(b => b.Id).Order(), upcoming.Select(b => b.Id).Order());
        Assert.Equal(upcoming.OrderBy(b => b.StartsAt.ToDateTime()).ThenBy(b => b.Id).Select(b => b.Id), upcoming.Select(b => b.Id));
        Assert.All(upcoming, b => Assert.NotEmpty(b.Tickets));

        // 3.5 days later: the shows of days 1-3 are past (latest first), those of days 4-5 upcoming.
        fixture.Clock.Advance(TimeSpan.FromDays(3.5));
        var past = await AllPagesAsync(alice, BookingTimeFilter.Past, pageSize: 3);
        var stillUpcoming = await AllPagesAsync(alice, BookingTimeFilter.Upcoming, pageSize: 1);
        Assert.Equal(4, past.Count);
        Assert.Equal(past.OrderByDescending(b => b.StartsAt.ToDateTime()).ThenByDescending(b => b.Id).Select(b => b.Id), past.Select(b => b.Id));
        Assert.Equal([shows[3].ShowId, shows[4].ShowId], stillUpcoming.Select(b => b.ShowId));

        // A token of one listing is not accepted by the other.
        var firstPast = await fixture.Client.ListMyBookingsAsync(new ListMyBookingsRequest { When = BookingTimeFilter.Past, PageSize = 1 }, alice.Bearer, cancellationToken: Ct);
        var mixed = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.ListMyBookingsAsync(
            new ListMyBookingsRequest { When = BookingTimeFilter.Upcoming, PageToken = firstPast.NextPageToken }, alice.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, mixed.StatusCode);
    }
}
