using Mesh.Analytics.Tests.Support;
using Mesh.Analytics.V1;
using Mesh.Testing;

namespace Mesh.Analytics.Tests;

/// <summary>Analytics with a history cap of five events per user.</summary>
public sealed class SmallHistoryFixture(TestServers servers) : AnalyticsFixture(servers)
{
    public const int Cap = 5;

    protected override IReadOnlyDictionary<string, string?> MoreSettings { get; } =
        new Dictionary<string, string?> { ["Analytics:HistoryPerUser"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}

/// <summary>
/// Each user's history keeps the newest N events: the consumer trims a user once the size it keeps for them passes the
/// cap, and leaves users under it alone.
/// </summary>
public sealed class HistoryCapTests(SmallHistoryFixture fixture) : IClassFixture<SmallHistoryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_history_keeps_the_newest_events_up_to_the_cap_and_a_short_one_keeps_all()
    {
        var (busy, quiet) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        // Eight events for the busy user over two batches (oldest first), three for the quiet one.
        var events = Enumerable.Range(0, 8).Select(i => fixture.Event("view", userId: busy, item: $"shows/{Guid.NewGuid()}", ago: TimeSpan.FromMinutes(20 - i))).ToArray();
        var quiets = Enumerable.Range(0, 3).Select(i => fixture.Event("click", userId: quiet, ago: TimeSpan.FromMinutes(10 - i))).ToArray();
        await fixture.SendAsync([.. events[..4], .. quiets]);
        await fixture.CountedAsync([.. events[..4].Select(e => Guid.Parse(e.Id)), .. quiets.Select(e => Guid.Parse(e.Id))]);
        await fixture.SendAsync(events[4..]);
        await fixture.CountedAsync([.. events[4..].Select(e => Guid.Parse(e.Id))]);

        var history = await fixture.Client.GetUserHistoryAsync(new GetUserHistoryRequest { UserId = busy, PageSize = 50 }, fixture.Customer(busy), cancellationToken: Ct);
        Assert.Equal(events[3..].Reverse().Select(e => e.Id), history.Events.Select(e => e.Id));   // the newest five, newest first
        Assert.Equal(SmallHistoryFixture.Cap, await fixture.ScalarAsync<long>("SELECT count(*) FROM user_events WHERE user_id = @busy", new { busy }));
        Assert.Equal(SmallHistoryFixture.Cap, await fixture.ScalarAsync<int>("SELECT events FROM user_history_sizes WHERE user_id = @busy", new { busy }));

        var quietHistory = await fixture.Client.GetUserHistoryAsync(new GetUserHistoryRequest { UserId = quiet, PageSize = 50 }, fixture.Customer(quiet), cancellationToken: Ct);
        Assert.Equal(3, quietHistory.Events.Count);
        Assert.Equal(3, await fixture.ScalarAsync<int>("SELECT events FROM user_history_sizes WHERE user_id = @quiet", new { quiet }));

        // The same events sent again (a producer's retry) change neither the history nor the size kept.
        await fixture.SendAsync(events[6], quiets[0]);
        await Eventually.UntilAsync(() => fixture.ScalarAsync<long>("SELECT next_offset FROM stream_offsets"), o => o == 3, "the retry's stream message read");
        Assert.Equal(SmallHistoryFixture.Cap, await fixture.ScalarAsync<int>("SELECT events FROM user_history_sizes WHERE user_id = @busy", new { busy }));
        Assert.Equal(3, await fixture.ScalarAsync<int>("SELECT events FROM user_history_sizes WHERE user_id = @quiet", new { quiet }));
    }
}
