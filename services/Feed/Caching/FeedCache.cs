using Google.Protobuf;
using Mesh.Feed.V1;
using StackExchange.Redis;

namespace Mesh.Feed.Caching;

/// <summary>
/// Computed feeds in Redis (protobuf bytes) for <see cref="FeedOptions.CacheDuration"/>: a signed-in user's under one
/// hash per user (a field per city), so a booking drops all of them with one DEL; an anonymous feed under its city.
/// Redis trouble never fails a feed: a read that fails is a miss, a write that fails is skipped.
/// </summary>
public sealed class FeedCache(IDatabase redis, FeedOptions options, ILogger<FeedCache> logger)
{
    private bool Enabled => options.CacheDuration > TimeSpan.Zero;

    private static RedisKey UserKey(string userId) => $"u:{userId}";
    private static RedisKey CityKey(string city) => $"c:{city}";

    public async Task<FeedPage?> GetAsync(string? userId, string city)
    {
        if (!Enabled) return null;
        try
        {
            RedisValue value = userId is null ? await redis.StringGetAsync(CityKey(city)) : await redis.HashGetAsync(UserKey(userId), city);
            return value.IsNullOrEmpty ? null : FeedPage.Parser.ParseFrom((byte[])value!);
        }
        catch (RedisException e)
        {
            logger.LogWarning(e, "Feed cache read failed; computing the feed");
            return null;
        }
    }

    public async Task StoreAsync(string? userId, string city, FeedPage feed)
    {
        if (!Enabled) return;
        var bytes = feed.ToByteArray();
        try
        {
            if (userId is null) await redis.StringSetAsync(CityKey(city), bytes, options.CacheDuration);
            else
            {
                var batch = redis.CreateBatch();
                var set = batch.HashSetAsync(UserKey(userId), city, bytes);
                var expire = batch.KeyExpireAsync(UserKey(userId), options.CacheDuration);
                batch.Execute();
                await Task.WhenAll(set, expire);
            }
        }
        catch (RedisException e) { logger.LogWarning(e, "Feed cache write failed"); }
    }

    /// <summary>Drops every cached feed of the user (they booked or cancelled). Throws when Redis fails: the event is retried.</summary>
    public Task ForgetUserAsync(string userId) => redis.KeyDeleteAsync(UserKey(userId));
}
