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
/// The stream consumer writes a batch's trending increments (per stream message, under the message's marker) and risk
/// notes as a few script calls rather than one per event: a message written again, a batch spread over several script
/// calls, and a batch retried after part of it was written (its commit failed, or a later call of it did) each count an
/// event once. Against the real Redis, on a clock
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

    private static TrendingBoard.Message Message(params AnalyticsEvent[] events) => new($"trend:msg:test:{Guid.NewGuid()}", events);

    [Fact]
    public async Task A_message_written_again_adds_nothing_and_a_retried_batch_adds_only_the_messages_it_had_not_written()
    {
        var city = $"c-{Guid.NewGuid():N}"[..16];
        var (a, b) = ($"shows/{Guid.NewGuid()}", $"shows/{Guid.NewGuid()}");
        var first = Message(View(a, city), View(a, city));

        Assert.Equal(1, await _board.AddAsync([first]));
        var once = await ScoresAsync(city);
        Assert.Equal([a], once.Keys);

        // The batch again with one more message: what a batch whose commit (or a later script call) failed looks like when
        // the consumer replays it from the stored offset (the same events claimed from the same messages).
        Assert.Equal(1, await _board.AddAsync([first, Message(View(b, city))]));
        var retried = await ScoresAsync(city);
        Assert.Equal(once[a], retried[a]);
        Assert.Equal(once[a] / 2, retried[b], tolerance: 1e-5);   // one view of b against two of a, same bucket, same decay
    }

    [Fact]
    public async Task A_batch_larger_than_one_script_call_adds_each_message_once_and_sums_an_item_within_a_message()
    {
        var city = $"c-{Guid.NewGuid():N}"[..16];
        var (item, other) = ($"shows/{Guid.NewGuid()}", $"shows/{Guid.NewGuid()}");
        // Each message: four views of one item and one of another (8 increments: 2 windows x 2 sets x 2 items), so the
        // batch needs several calls.
        var messages = Enumerable.Range(0, TrendingBoard.IncrementsPerCall / 8 * 3 + 5)
            .Select(_ => Message(View(item, city), View(item, city), View(other, city), View(item, city), View(item, city))).ToList();

        Assert.Equal(messages.Count, await _board.AddAsync(messages));
        var scores = await ScoresAsync(city);
        Assert.Equal(scores[other] * 4, scores[item], tolerance: 1e-3);
        var single = await ScoreOfOneViewAsync();
        Assert.Equal(single * messages.Count, scores[other], tolerance: 1e-3);

        // Replayed whole: nothing more.
        Assert.Equal(0, await _board.AddAsync(messages));
        Assert.Equal(scores, await ScoresAsync(city));
    }

    private async Task<double> ScoreOfOneViewAsync()
    {
        var city = $"c-{Guid.NewGuid():N}"[..16];
        var item = $"shows/{Guid.NewGuid()}";
        Assert.Equal(1, await _board.AddAsync([Message(View(item, city))]));
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
        Assert.Equal(0, await _board.AddAsync([Message(old, search, View(item, "")), Message(View("", city))]));
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
