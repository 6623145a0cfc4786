using Google.Protobuf.WellKnownTypes;
using Mesh.Analytics.Aggregation;
using Mesh.Analytics.Risk;
using Mesh.Analytics.Tests.Support;
using Mesh.Analytics.V1;
using Mesh.Testing;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Mesh.Analytics.Tests;

/// <summary>
/// The stream consumer writes a batch's trending increments and risk notes as a few script calls rather than one per
/// event: an id twice in one batch, an id in two of a batch's script calls, and a batch retried after part of it was
/// written (its commit failed, or a later call of it did) each count an event once. Against the real Redis, on a clock
/// that stands still so scores read before and after compare exactly.
/// </summary>
public sealed class TrendingBatchTests(TestServers servers) : IAsyncLifetime
{
    private readonly SettableClock _clock = new();
    private ConnectionMultiplexer _redis = null!;
    private IDatabase _db = null!;
    private TrendingBoard _board = null!;

    public async ValueTask InitializeAsync()
    {
        var data = new IsolatedData(servers);
        _redis = await ConnectionMultiplexer.ConnectAsync(await data.RedisConnectionStringAsync());
        _db = _redis.GetDatabase().WithKeyPrefix(data.RedisKeyPrefix);
        _board = new TrendingBoard(_db, _clock);
    }

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    private AnalyticsEvent View(string item, string city, string? id = null) => new()
    {
        Id = id ?? Guid.CreateVersion7().ToString(), Type = "view", UserId = "u", Item = item, CityId = city,
        Time = Timestamp.FromDateTimeOffset(_clock.GetUtcNow() - TimeSpan.FromSeconds(1)),
    };

    private async Task<Dictionary<string, double>> ScoresAsync(string city) =>
        (await _board.TopAsync(city, TrendingBoard.OneDay, "", 100)).ToDictionary(i => i.Item, i => i.Score);

    [Fact]
    public async Task An_id_twice_in_a_batch_counts_once_and_a_retried_batch_counts_only_what_it_had_not_written()
    {
        var city = $"c-{Guid.NewGuid():N}"[..16];
        var (a, b) = ($"shows/{Guid.NewGuid()}", $"shows/{Guid.NewGuid()}");
        var first = View(a, city);
        var second = View(a, city);

        // One batch holding the same event twice (a producer's retry landed in the same consumer batch).
        Assert.Equal(2, await _board.AddAsync([first, first.Clone(), second]));
        var once = await ScoresAsync(city);
        Assert.Equal([a], once.Keys);

        // The same batch again with one more event: what a batch whose commit (or a later script call) failed looks like
        // when the consumer replays it from the stored offset.
        Assert.Equal(1, await _board.AddAsync([first, second, View(b, city)]));
        var retried = await ScoresAsync(city);
        Assert.Equal(once[a], retried[a]);
        Assert.Equal(once[a] / 2, retried[b], tolerance: 1e-5);   // one view of b against two of a, same bucket, same decay
    }

    [Fact]
    public async Task A_batch_larger_than_one_script_call_counts_each_id_once_across_its_calls()
    {
        var city = $"c-{Guid.NewGuid():N}"[..16];
        var item = $"shows/{Guid.NewGuid()}";
        var events = Enumerable.Range(0, TrendingBoard.EventsPerCall * 2 + 10).Select(_ => View(item, city)).ToList();
        // The first event again, in the batch's second script call.
        events[TrendingBoard.EventsPerCall + 3] = events[0].Clone();
        var distinct = events.Select(e => e.Id).Distinct().Count();

        Assert.Equal(distinct, await _board.AddAsync(events));
        var score = (await ScoresAsync(city))[item];
        var single = await ScoreOfOneViewAsync();
        Assert.Equal(single * distinct, score, tolerance: 1e-3);

        // Replayed whole: nothing more.
        Assert.Equal(0, await _board.AddAsync(events));
        Assert.Equal(score, (await ScoresAsync(city))[item]);
    }

    private async Task<double> ScoreOfOneViewAsync()
    {
        var city = $"c-{Guid.NewGuid():N}"[..16];
        var item = $"shows/{Guid.NewGuid()}";
        Assert.Equal(1, await _board.AddAsync([View(item, city)]));
        return (await ScoresAsync(city))[item];
    }

    [Fact]
    public async Task Events_without_a_weight_a_city_or_an_item_or_older_than_a_day_add_nothing()
    {
        var city = $"c-{Guid.NewGuid():N}"[..16];
        var item = $"shows/{Guid.NewGuid()}";
        var old = View(item, city);
        old.Time = Timestamp.FromDateTimeOffset(_clock.GetUtcNow() - TimeSpan.FromHours(25));
        var search = View("", city);
        search.Type = "search";
        Assert.Equal(0, await _board.AddAsync([old, search, View(item, ""), View("", city)]));
        Assert.Empty(await ScoresAsync(city));
    }

    [Fact]
    public async Task A_batch_s_risk_notes_are_written_once_per_event_in_one_call()
    {
        var signals = new RiskSignals(_db, new RiskOptions());
        var user = Guid.NewGuid().ToString();
        var declined = new AnalyticsEvent
        {
            Id = Guid.CreateVersion7().ToString(), Type = "payment", UserId = user, Attributes = { ["outcome"] = "failed" },
            Time = Timestamp.FromDateTimeOffset(_clock.GetUtcNow()),
        };
        var paid = declined.Clone();
        paid.Id = Guid.CreateVersion7().ToString();
        paid.Attributes["outcome"] = "succeeded";
        var expired = new AnalyticsEvent { Id = Guid.CreateVersion7().ToString(), Type = "hold_expired", UserId = user, Time = declined.Time };

        var notes = new[] { declined, paid, expired, declined }.Select(RiskSignals.NoteFor).OfType<RiskSignals.Note>().ToList();
        Assert.Equal(3, notes.Count);   // the payment that succeeded notes nothing
        await signals.NoteAsync(notes);
        await signals.NoteAsync(notes);   // the batch replayed
        Assert.Equal(1, await _db.SortedSetLengthAsync($"risk:decline:user:{user}"));
        Assert.Equal(1, await _db.SortedSetLengthAsync($"risk:expired_hold:user:{user}"));
        Assert.True(await _db.KeyTimeToLiveAsync($"risk:decline:user:{user}") is { } ttl && ttl > TimeSpan.Zero);
    }
}
