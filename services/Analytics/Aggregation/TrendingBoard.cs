using Mesh.Analytics.Ingestion;
using Mesh.Analytics.V1;
using StackExchange.Redis;

namespace Mesh.Analytics.Aggregation;

/// <summary>
/// Trending items per city in Redis sorted sets, over sliding windows with decay: each window is a ring of time buckets
/// (1 h = 12 × 5 min, 24 h = 24 × 1 h), one sorted set per city, bucket and kind (and one for every kind), each
/// expiring once it has slid out. A read sums the window's buckets with weights halving every half-life of the bucket's
/// age (ZUNIONSTORE with weights), so a view two hours ago counts a quarter as much as one now in the 24 h list.
/// Adding is idempotent per event id (a "seen" key set in the same Lua script), so a replay after a crash between
/// Redis and PostgreSQL's commit counts an event once (docs/decisions/0014). The stream consumer adds a whole batch at a
/// time: one script call per few hundred events rather than one per event (docs/performance.md §13).
/// </summary>
public sealed class TrendingBoard(IDatabase redis, TimeProvider time)
{
    public sealed record Window(string Name, TimeSpan Bucket, int Buckets, TimeSpan HalfLife)
    {
        public TimeSpan Length => Bucket * Buckets;
    }

    public static readonly Window OneHour = new("1h", TimeSpan.FromMinutes(5), 12, TimeSpan.FromMinutes(30));
    public static readonly Window OneDay = new("24h", TimeSpan.FromHours(1), 24, TimeSpan.FromHours(6));

    /// <summary>Events per script call: a script holds Redis for its whole run (CheckRisk waits behind it), so a consumer
    /// batch goes as several calls of this size, pipelined on the one connection (one round trip's wait for them all).</summary>
    public const int EventsPerCall = 250;

    // One call adds a chunk of events, each once per event id. KEYS = one "seen" key per event, then the distinct sorted
    // sets the chunk touches. ARGV[1] = #events, ARGV[2] = the seen keys' ttl, then one ttl per sorted set, then per
    // event: member, weight, #sets, that many set indexes (1-based among the sets). An id seen before (an earlier
    // call, an earlier pass over the stream, or the same id twice in this chunk) adds nothing; a set is given its ttl
    // once, and only if a counted event touched it. Returns how many events were counted.
    private const string AddOnce = """
        local n = tonumber(ARGV[1])
        local sets = #KEYS - n
        local touched = {}
        local counted = 0
        local a = 3 + sets
        for i = 1, n do
          local member, weight, k = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
          if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[2]) then
            counted = counted + 1
            for j = 1, k do
              local s = tonumber(ARGV[a + 2 + j])
              redis.call('ZINCRBY', KEYS[n + s], weight, member)
              touched[s] = true
            end
          end
          a = a + 3 + k
        end
        for s in pairs(touched) do redis.call('EXPIRE', KEYS[n + s], ARGV[2 + s]) end
        return counted
        """;

    public static Window For(TrendingWindow window) => window == TrendingWindow.OneDay ? OneDay : OneHour;

    /// <summary>
    /// Adds each event's weight to its item in its city (<see cref="AnalyticsEvent.CityId"/>), once per event id, in
    /// one script call per <see cref="EventsPerCall"/> events; events without city, item or weight, or older than a
    /// day, add nothing. Returns how many events were counted now (not before).
    /// </summary>
    public async Task<long> AddAsync(IReadOnlyList<AnalyticsEvent> events)
    {
        var now = time.GetUtcNow();
        var calls = new List<Task<RedisResult>>();
        foreach (var chunk in events.Where(e => Counts(e, now)).Chunk(EventsPerCall))
            calls.Add(redis.ScriptEvaluateAsync(AddOnce, Keys(chunk, now, out var args), args));
        var results = await Task.WhenAll(calls);
        return results.Sum(r => (long)r);
    }

    private static bool Counts(AnalyticsEvent e, DateTimeOffset now) =>
        EventTypes.TrendingWeight(e.Type) != 0 && e.Item.Length > 0 && e.CityId.Length > 0 && e.Time.ToDateTimeOffset() >= now - OneDay.Length;

    /// <summary>The script's keys and arguments for one chunk (see <see cref="AddOnce"/>).</summary>
    private static RedisKey[] Keys(AnalyticsEvent[] chunk, DateTimeOffset now, out RedisValue[] args)
    {
        var sets = new Dictionary<string, (int Index, long Ttl)>();
        var perEvent = new List<RedisValue>(chunk.Length * 7);
        var refs = new List<int>(4);
        foreach (var e in chunk)
        {
            var at = e.Time.ToDateTimeOffset();
            var kind = ItemNames.KindOf(e.Item);
            refs.Clear();
            foreach (var window in new[] { OneHour, OneDay })
            {
                var bucket = BucketOf(window, at);
                var ttl = (long)((BucketStart(window, bucket) + window.Length + window.Bucket - now).TotalSeconds);
                if (ttl <= 0) continue;
                foreach (var key in new[] { Key(window, e.CityId, "all", bucket), Key(window, e.CityId, kind, bucket) })
                {
                    if (!sets.TryGetValue(key, out var set)) sets[key] = set = (sets.Count + 1, ttl);
                    refs.Add(set.Index);
                }
            }
            perEvent.Add(e.Item);
            perEvent.Add(EventTypes.TrendingWeight(e.Type));
            perEvent.Add(refs.Count);
            foreach (var r in refs) perEvent.Add(r);
        }
        var keys = new RedisKey[chunk.Length + sets.Count];
        for (var i = 0; i < chunk.Length; i++) keys[i] = $"trend:seen:{chunk[i].Id}";
        var ordered = sets.OrderBy(s => s.Value.Index).ToList();
        for (var s = 0; s < ordered.Count; s++) keys[chunk.Length + s] = ordered[s].Key;
        var header = new List<RedisValue>(2 + ordered.Count + perEvent.Count) { chunk.Length, SeenTtlSeconds };
        header.AddRange(ordered.Select(s => (RedisValue)s.Value.Ttl));
        header.AddRange(perEvent);
        args = [.. header];
        return keys;
    }

    /// <summary>How long an event id is remembered: past the 24 h window, plus an hour's margin for a late replay.</summary>
    private static readonly long SeenTtlSeconds = (long)OneDay.Length.TotalSeconds + 3600;

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
