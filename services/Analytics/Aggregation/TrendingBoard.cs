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
/// Redis and PostgreSQL's commit counts an event once (docs/decisions/0014).
/// </summary>
public sealed class TrendingBoard(IDatabase redis, TimeProvider time)
{
    public sealed record Window(string Name, TimeSpan Bucket, int Buckets, TimeSpan HalfLife)
    {
        public TimeSpan Length => Bucket * Buckets;
    }

    public static readonly Window OneHour = new("1h", TimeSpan.FromMinutes(5), 12, TimeSpan.FromMinutes(30));
    public static readonly Window OneDay = new("24h", TimeSpan.FromHours(1), 24, TimeSpan.FromHours(6));

    // KEYS[1] = the event's seen key, KEYS[2..] = the sorted sets; ARGV = seen ttl, member, weight, then one ttl per set.
    private const string AddOnce = """
        if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
          for i = 2, #KEYS do
            redis.call('ZINCRBY', KEYS[i], ARGV[3], ARGV[2])
            redis.call('EXPIRE', KEYS[i], ARGV[i + 2])
          end
          return 1
        end
        return 0
        """;

    public static Window For(TrendingWindow window) => window == TrendingWindow.OneDay ? OneDay : OneHour;

    /// <summary>Adds the event's weight to its item in its city, once per event id; events without city, item or weight, or older than a day, add nothing.</summary>
    public Task AddAsync(AnalyticsEvent e, string cityId)
    {
        var weight = EventTypes.TrendingWeight(e.Type);
        if (weight == 0 || e.Item.Length == 0 || cityId.Length == 0) return Task.CompletedTask;
        var at = e.Time.ToDateTimeOffset();
        var now = time.GetUtcNow();
        if (at < now - OneDay.Length) return Task.CompletedTask;
        var kind = ItemNames.KindOf(e.Item);
        var keys = new List<RedisKey> { $"trend:seen:{e.Id}" };
        var args = new List<RedisValue> { (long)OneDay.Length.TotalSeconds + 3600, e.Item, weight };
        foreach (var window in new[] { OneHour, OneDay })
        {
            var bucket = BucketOf(window, at);
            var ttl = (long)((BucketStart(window, bucket) + window.Length + window.Bucket - now).TotalSeconds);
            if (ttl <= 0) continue;
            keys.Add(Key(window, cityId, "all", bucket)); args.Add(ttl);
            keys.Add(Key(window, cityId, kind, bucket)); args.Add(ttl);
        }
        return redis.ScriptEvaluateAsync(AddOnce, [.. keys], [.. args]);
    }

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
