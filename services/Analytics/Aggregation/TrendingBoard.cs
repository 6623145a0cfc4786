using Mesh.Analytics.Ingestion;
using Mesh.Analytics.V1;
using StackExchange.Redis;

namespace Mesh.Analytics.Aggregation;

/// <summary>
/// Trending items per city in Redis sorted sets, over sliding windows with decay: each window is a ring of time buckets
/// (1 h = 12 × 5 min, 24 h = 24 × 1 h), one sorted set per city, bucket and kind (and one for every kind), each
/// expiring once it has slid out. A read sums the window's buckets with weights halving every half-life of the bucket's
/// age (ZUNIONSTORE with weights), so a view two hours ago counts a quarter as much as one now in the 24 h list.
/// The stream consumer adds a batch at a time, per stream message: a message's fresh events (those PostgreSQL claimed
/// for this pass) are summed per item and set and added in a Lua script guarded by a marker key of the message, so a
/// replay after a crash between Redis and PostgreSQL's commit adds nothing twice (the replay claims the same events
/// from the same message: the first message at or after the stored offset that holds them). A few script calls per
/// batch, not one per event, and one marker per message rather than a key per event (docs/decisions/0014,
/// docs/performance.md §13).
/// </summary>
public sealed class TrendingBoard(IDatabase redis, TimeProvider time)
{
    public sealed record Window(string Name, TimeSpan Bucket, int Buckets, TimeSpan HalfLife)
    {
        public TimeSpan Length => Bucket * Buckets;
    }

    public static readonly Window OneHour = new("1h", TimeSpan.FromMinutes(5), 12, TimeSpan.FromMinutes(30));
    public static readonly Window OneDay = new("24h", TimeSpan.FromHours(1), 24, TimeSpan.FromHours(6));

    /// <summary>What one stream message adds: its fresh events (those this pass counts), under a key naming the message.</summary>
    /// <param name="Marker">Stable across replays of the message (its offset and message id).</param>
    public sealed record Message(string Marker, IReadOnlyList<AnalyticsEvent> Events);

    /// <summary>Increments per script call at most (a message is never split): a script holds Redis for its whole run and
    /// CheckRisk waits behind it, so a consumer batch goes as several calls, pipelined on the one connection.</summary>
    public const int IncrementsPerCall = 1000;

    // One call adds the increments of a few stream messages, each message once. KEYS = one marker per message, then the
    // sorted sets the call touches. ARGV[1] = the markers' ttl, ARGV[2] = the number of sets, then one ttl per set, then
    // per message: the number of its increments, then per increment: set index (1-based among the sets), member, weight
    // (the sum of the message's events for that item and set). A message whose marker is already set (written by an
    // earlier pass whose PostgreSQL commit failed) adds nothing; a set gets its ttl once, if something was added to it.
    // Returns how many messages added their increments.
    private const string AddOnce = """
        local sets = tonumber(ARGV[2])
        local messages = #KEYS - sets
        local touched = {}
        local added = 0
        local a = 3 + sets
        for i = 1, messages do
          local k = tonumber(ARGV[a])
          if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[1]) then
            added = added + 1
            for j = 0, k - 1 do
              local s = tonumber(ARGV[a + 1 + 3 * j])
              redis.call('ZINCRBY', KEYS[messages + s], ARGV[a + 3 + 3 * j], ARGV[a + 2 + 3 * j])
              touched[s] = true
            end
          end
          a = a + 1 + 3 * k
        end
        for s in pairs(touched) do redis.call('EXPIRE', KEYS[messages + s], ARGV[2 + s]) end
        return added
        """;

    public static Window For(TrendingWindow window) => window == TrendingWindow.OneDay ? OneDay : OneHour;

    /// <summary>
    /// Adds the weights of each message's events to their items in their cities (<see cref="AnalyticsEvent.CityId"/>),
    /// each message once (its marker), summed per item and set within the message, in as few script calls as
    /// <see cref="IncrementsPerCall"/> allows; events without city, item or weight, or older than a day, add nothing.
    /// Returns how many messages added their increments now (not before).
    /// </summary>
    public async Task<long> AddAsync(IReadOnlyList<Message> messages)
    {
        var now = time.GetUtcNow();
        var calls = new List<Task<RedisResult>>();
        var call = new Call();
        foreach (var message in messages)
        {
            var increments = Increments(message, now);
            if (increments.Count == 0) continue;
            if (call.Increments > 0 && call.Increments + increments.Count > IncrementsPerCall)
            {
                calls.Add(call.SendAsync(redis));
                call = new Call();
            }
            call.Add(message.Marker, increments);
        }
        if (call.Increments > 0) calls.Add(call.SendAsync(redis));
        var results = await Task.WhenAll(calls);
        return results.Sum(r => (long)r);
    }

    /// <summary>A message's increments: per sorted set (key, ttl) and item, the sum of its events' weights.</summary>
    private static Dictionary<(string Set, long Ttl, string Item), double> Increments(Message message, DateTimeOffset now)
    {
        var increments = new Dictionary<(string, long, string), double>();
        foreach (var e in message.Events)
        {
            var weight = EventTypes.TrendingWeight(e.Type);
            if (weight == 0 || e.Item.Length == 0 || e.CityId.Length == 0) continue;
            var at = e.Time.ToDateTimeOffset();
            if (at < now - OneDay.Length) continue;
            var kind = ItemNames.KindOf(e.Item);
            foreach (var window in Windows)
            {
                var bucket = BucketOf(window, at);
                var ttl = (long)((BucketStart(window, bucket) + window.Length + window.Bucket - now).TotalSeconds);
                if (ttl <= 0) continue;
                foreach (var set in (ReadOnlySpan<string>)[Key(window, e.CityId, "all", bucket), Key(window, e.CityId, kind, bucket)])
                    increments[(set, ttl, e.Item)] = increments.GetValueOrDefault((set, ttl, e.Item)) + weight;
            }
        }
        return increments;
    }

    private static readonly Window[] Windows = [OneHour, OneDay];

    /// <summary>The keys and arguments of one script call (see <see cref="AddOnce"/>).</summary>
    private sealed class Call
    {
        private readonly List<RedisKey> _markers = [];
        private readonly Dictionary<string, (int Index, long Ttl)> _sets = [];
        private readonly List<RedisValue> _perMessage = [];

        public int Increments { get; private set; }

        public void Add(string marker, Dictionary<(string Set, long Ttl, string Item), double> increments)
        {
            _markers.Add(marker);
            _perMessage.Add(increments.Count);
            foreach (var ((set, ttl, item), weight) in increments)
            {
                if (!_sets.TryGetValue(set, out var known)) _sets[set] = known = (_sets.Count + 1, ttl);
                _perMessage.Add(known.Index);
                _perMessage.Add(item);
                _perMessage.Add(weight);
            }
            Increments += increments.Count;
        }

        public Task<RedisResult> SendAsync(IDatabase redis)
        {
            var sets = _sets.OrderBy(s => s.Value.Index).ToList();
            RedisKey[] keys = [.. _markers, .. sets.Select(s => (RedisKey)s.Key)];
            RedisValue[] args = [MarkerTtlSeconds, sets.Count, .. sets.Select(s => (RedisValue)s.Value.Ttl), .. _perMessage];
            return redis.ScriptEvaluateAsync(AddOnce, keys, args);
        }
    }

    /// <summary>How long a message's marker is kept: past the 24 h window, plus an hour's margin for a late replay.</summary>
    private static readonly long MarkerTtlSeconds = (long)OneDay.Length.TotalSeconds + 3600;

    /// <summary>The window's best items in a city (kind "" = every kind), best first.</summary>
    public async Task<IReadOnlyList<TrendingItem>> TopAsync(string cityId, Window window, string kind, int count)
    {
        var now = time.GetUtcNow();
        var current = BucketOf(window, now);
        var keys = new RedisKey[window.Buckets];
        var weights = new double[window.Buckets];
        for (var i = 0; i < window.Buckets; i++)
        {
            var bucket = current - i;
            keys[i] = Key(window, cityId, kind.Length == 0 ? "all" : kind, bucket);
            var age = now - (BucketStart(window, bucket) + window.Bucket / 2);
            weights[i] = Math.Pow(0.5, Math.Max(0, age.TotalSeconds) / window.HalfLife.TotalSeconds);
        }
        RedisKey scratch = $"trend:read:{Guid.NewGuid():N}";
        await redis.SortedSetCombineAndStoreAsync(SetOperation.Union, scratch, keys, weights, Aggregate.Sum);
        try
        {
            var top = await redis.SortedSetRangeByRankWithScoresAsync(scratch, 0, count - 1, Order.Descending);
            return top.Select(t => new TrendingItem { Item = t.Element.ToString(), Score = Math.Round(t.Score, 6) }).ToList();
        }
        finally
        {
            await redis.KeyDeleteAsync(scratch);
        }
    }

    private static long BucketOf(Window window, DateTimeOffset at) => at.ToUnixTimeSeconds() / (long)window.Bucket.TotalSeconds;

    private static DateTimeOffset BucketStart(Window window, long bucket) => DateTimeOffset.FromUnixTimeSeconds(bucket * (long)window.Bucket.TotalSeconds);

    private static string Key(Window window, string cityId, string kind, long bucket) => $"trend:{window.Name}:{cityId}:{kind}:{bucket}";
}
