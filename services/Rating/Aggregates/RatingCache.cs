using Google.Protobuf;
using Mesh.Rating.V1;
using StackExchange.Redis;

namespace Mesh.Rating.Aggregates;

/// <summary>
/// Item aggregates in Redis (key "item:{item}", a hash of version and the ItemRating message). Every write replaces the
/// copy with the aggregate its own transaction returned, and every read that missed stores what it read — but only
/// when its version is newer than the cached one (one Lua step), so a slow reader can never put back an older
/// aggregate over a newer write's. A Redis outage degrades to database reads, never to errors; a write whose update
/// Redis missed leaves a stale copy for at most <see cref="RatingOptions.CacheDuration"/>.
/// </summary>
public sealed class RatingCache(IDatabase redis, RatingOptions options)
{
    private const string StoreIfNewer = """
        local current = redis.call('HGET', KEYS[1], 'v')
        if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return 1
        """;

    private static RedisKey Key(string item) => $"item:{item}";

    /// <summary>Off when <see cref="RatingOptions.CacheDuration"/> is zero: every read goes to PostgreSQL.</summary>
    private bool Enabled => options.CacheDuration > TimeSpan.Zero;

    /// <summary>The cached aggregate of <paramref name="item"/>, or null (absent, or Redis unreachable).</summary>
    public async Task<ItemRating?> GetAsync(string item)
    {
        if (!Enabled) return null;
        try
        {
            var data = await redis.HashGetAsync(Key(item), "d");
            return data.IsNull ? null : ItemRating.Parser.ParseFrom((byte[])data!);
        }
        catch (RedisException)
        {
            return null;
        }
    }

    /// <summary>Stores <paramref name="rating"/> at <paramref name="version"/> unless a newer one is cached.</summary>
    public async Task StoreAsync(string item, long version, ItemRating rating)
    {
        if (!Enabled) return;
        try
        {
            await redis.ScriptEvaluateAsync(StoreIfNewer, [Key(item)],
                [version, rating.ToByteArray(), (long)options.CacheDuration.TotalMilliseconds]);
        }
        catch (RedisException)
        {
            // The database stays the truth; the copy expires within CacheDuration.
        }
    }
}
