using Mesh.Analytics.Aggregation;
using Mesh.Analytics.Stream;
using Mesh.Analytics.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Analytics.Tests;

/// <summary>
/// The consumer's claims (the ids it counted) are kept as long as the stream can replay them, plus a day, and then
/// deleted: older ones go, younger ones stay and still keep a retried event from being counted twice.
/// </summary>
public sealed class ClaimPruningTests(AnalyticsFixture fixture) : IClassFixture<AnalyticsFixture>
{
    [Fact]
    public async Task Claims_older_than_the_streams_age_plus_a_day_are_deleted_and_younger_ones_still_stop_a_recount()
    {
        var pruning = fixture.AnalyticsServices.GetRequiredService<ClaimPruning>();
        Assert.Equal(TimeSpan.FromDays(8), pruning.KeptFor);   // the default stream age, 7D, and a day
        var now = fixture.Clock.GetUtcNow().UtcDateTime;
        var (old, young) = (Guid.NewGuid(), Guid.NewGuid());
        await fixture.ExecuteAsync("INSERT INTO processed_events (event_id, process_time) VALUES (@old, @oldTime), (@young, @youngTime)",
            new { old, oldTime = now - TimeSpan.FromDays(8) - TimeSpan.FromMinutes(1), young, youngTime = now - TimeSpan.FromDays(8) + TimeSpan.FromMinutes(1) });

        Assert.Equal(1, await pruning.PruneAsync(TestContext.Current.CancellationToken));   // this class has its own database

        Assert.Equal(0, await fixture.ScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @old", new { old }));
        Assert.Equal(1, await fixture.ScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @young", new { young }));

        // An event counted now, then sent again (a producer's retry): its claim is young, so the retry adds nothing.
        var user = Guid.NewGuid().ToString();
        var e = fixture.Event("view", userId: user, item: $"shows/{Guid.NewGuid()}");
        await fixture.SendAsync(e);
        await fixture.CountedAsync(Guid.Parse(e.Id));
        await pruning.PruneAsync(TestContext.Current.CancellationToken);
        var offset = await fixture.ScalarAsync<long>("SELECT next_offset FROM stream_offsets");
        await fixture.SendAsync(e);
        await Eventually.UntilAsync(() => fixture.ScalarAsync<long>("SELECT next_offset FROM stream_offsets"), o => o == offset + 1, "the retry's stream message read");
        Assert.Equal(1, await fixture.ScalarAsync<int>("SELECT events FROM user_history_sizes WHERE user_id = @user", new { user }));
    }

    [Theory]
    [InlineData("7D", 7 * 24 * 3600)]
    [InlineData("12h", 12 * 3600)]
    [InlineData("30m", 30 * 60)]
    [InlineData("45s", 45)]
    [InlineData("2M", 62 * 24 * 3600)]
    [InlineData("1Y", 366 * 24 * 3600)]
    public void A_stream_max_age_reads_as_the_longest_span_it_can_mean(string value, long seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), StreamMaxAge.Parse(value));

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("D")]
    [InlineData("7d")]
    [InlineData("0D")]
    [InlineData("-1D")]
    [InlineData("1.5h")]
    [InlineData("99999999999999Y")]
    public void A_malformed_stream_max_age_is_refused_by_name(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => StreamMaxAge.Parse(value));
        Assert.Contains("Analytics:StreamMaxAge", e.Message);
    }
}
