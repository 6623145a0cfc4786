using Mesh.Analytics.Tests.Support;
using Mesh.Analytics.V1;

namespace Mesh.Analytics.Tests;

/// <summary>
/// The stream consumer's offsets and dedupe: events survive a restart of the consumer, an event sent twice counts
/// once, and a replay of the whole stream from offset 0 changes no aggregate (funnel, history, trending).
/// </summary>
public sealed class StreamReplayTests(AnalyticsFixture fixture) : IClassFixture<AnalyticsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(Funnel Funnel, int History, double Score)> ReadAsync(Guid show, string user, string city)
    {
        var funnel = await fixture.Client.GetFunnelAsync(new GetFunnelRequest { ShowId = show.ToString() }, fixture.Staff(), cancellationToken: Ct);
        var history = await fixture.Client.GetUserHistoryAsync(new GetUserHistoryRequest { UserId = user }, fixture.Customer(user), cancellationToken: Ct);
        var trending = await fixture.Client.GetTrendingAsync(new GetTrendingRequest { City = city, Window = TrendingWindow.OneDay }, cancellationToken: Ct);
        return (funnel, history.Events.Count, trending.Items.SingleOrDefault(i => i.Item == $"shows/{show}")?.Score ?? 0);
    }

    [Fact]
    public async Task Events_survive_a_consumer_restart_and_a_replay_from_offset_zero_counts_nothing_twice()
    {
        var show = Guid.NewGuid();
        var item = $"shows/{show}";
        var city = $"c-{Guid.NewGuid():N}"[..16];
        var (alice, bob, carol) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString());

        // Three people view the show (alice twice), two of them hold, one books (booking's own event on mesh.events).
        var view = fixture.Event("view", userId: alice, item: item, city: city);
        await fixture.SendAsync(view, fixture.Event("view", userId: alice, item: item, city: city), fixture.Event("view", userId: bob, item: item, city: city),
            fixture.Event("view", userId: carol, item: item, city: city), fixture.Event("add_to_hold", userId: alice, item: item, city: city),
            fixture.Event("add_to_hold", userId: bob, item: item, city: city));
        var confirmed = Guid.CreateVersion7();
        await fixture.PublishBusinessEventAsync("booking.confirmed", new
        {
            BookingId = Guid.NewGuid(), UserId = alice, HoldId = Guid.NewGuid(), ShowId = show, ServiceId = (Guid?)null,
            StartsAt = DateTime.UtcNow.AddDays(3), Amount = 2400, Currency = "EUR", PaymentId = Guid.NewGuid(), Tickets = 2,
        }, confirmed);
        await fixture.ProcessedAtLeastAsync(7);
        var first = await ReadAsync(show, alice, city);
        Assert.Equal((3L, 2L, 1L), (first.Funnel.Viewed, first.Funnel.Held, first.Funnel.Booked));
        Assert.Equal(4, first.History);   // two views, a hold and the booking
        Assert.True(first.Score > 0);

        // The same events again (a producer retrying: same ids), and booking's relay publishing its message again.
        await fixture.SendAsync(view);
        await fixture.PublishBusinessEventAsync("booking.confirmed", new { UserId = alice, ShowId = show }, confirmed);
        // Consumer restart: the host stops, events arrive meanwhile, a new host resumes from the stored offset.
        await fixture.StopAnalyticsAsync();
        await fixture.PublishBusinessEventAsync("booking.hold_expired", new { HoldId = Guid.NewGuid(), UserId = carol, ShowId = show, ExpiredAt = DateTime.UtcNow });
        await fixture.StartAnalyticsAsync();
        await fixture.ProcessedAtLeastAsync(8);   // carol's expired hold: she held, so she is in the funnel's "held"
        await Eventually.UntilAsync(() => fixture.ScalarAsync<long>("SELECT next_offset FROM stream_offsets"), o => o == 5, "the stream's five messages read (two batches, three business events)");
        var second = await ReadAsync(show, alice, city);
        Assert.Equal((3L, 3L, 1L), (second.Funnel.Viewed, second.Funnel.Held, second.Funnel.Booked));
        Assert.Equal(4, second.History);
        Assert.Equal(first.Score, second.Score);
        Assert.Equal(8, await fixture.ProcessedAsync());

        // Replay: the stored offset set back to the start of the stream, the consumer restarted.
        await fixture.StopAnalyticsAsync();
        var end = await fixture.ScalarAsync<long>("SELECT next_offset FROM stream_offsets");
        await fixture.ExecuteAsync("UPDATE stream_offsets SET next_offset = 0");
        await fixture.StartAnalyticsAsync();
        await Eventually.UntilAsync(() => fixture.ScalarAsync<long>("SELECT next_offset FROM stream_offsets"), o => o == end, "the replay back at the end of the stream");
        var replayed = await ReadAsync(show, alice, city);
        Assert.Equal(second.Funnel, replayed.Funnel);
        Assert.Equal(second.History, replayed.History);
        Assert.Equal(second.Score, replayed.Score);
        Assert.Equal(8, await fixture.ProcessedAsync());
    }

    [Fact]
    public async Task A_funnel_is_for_staff_only()
    {
        var request = new GetFunnelRequest { ShowId = Guid.NewGuid().ToString() };
        var denied = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetFunnelAsync(request, fixture.Customer(Guid.NewGuid().ToString()), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetFunnelAsync(request, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        var bad = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetFunnelAsync(new GetFunnelRequest { ShowId = "x" }, fixture.Staff(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["show_id"], Errors.Fields(bad));
    }

    [Fact]
    public async Task Another_user_s_history_is_for_staff_only()
    {
        var user = Guid.NewGuid().ToString();
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetUserHistoryAsync(
            new GetUserHistoryRequest { UserId = user }, fixture.Customer(Guid.NewGuid().ToString()), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Empty((await fixture.Client.GetUserHistoryAsync(new GetUserHistoryRequest { UserId = user }, fixture.Staff(), cancellationToken: Ct)).Events);
    }
}
