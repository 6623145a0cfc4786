using Google.Protobuf;
using Mesh.Catalog.Changes;
using Mesh.Catalog.V1;
using StackExchange.Redis;

namespace Mesh.Catalog.Cache;

/// <summary>
/// Cache-aside in Redis for show details, seat maps and searches: read Redis; on a miss load from PostgreSQL once per
/// key (single-flight), store with TTL + jitter. Writers invalidate right after commit (best effort) and through the
/// change event (<see cref="CacheInvalidationConsumer"/>), which also removes a stale copy re-cached by a racing read.
/// Searches are keyed by a generation number that any show or event change bumps, so a search loaded before a write
/// lands under the old generation and is never read again. A Redis outage degrades to database reads, never to errors.
/// Values are protobuf bytes.
/// </summary>
public sealed class CatalogCache(IDatabase redis, CatalogOptions options, CacheMetrics metrics)
{
    public const string SearchGenerationKey = "search:generation";
    private readonly SingleFlight<byte[]?> _flights = new();

    public static string ShowKey(Guid id) => $"show:{id:N}";
    public static string SeatMapKey(Guid showId) => $"seats:{showId:N}";
    public static string SearchKey(long generation, string fingerprint) => $"search:{generation}:{fingerprint}";

    public Task<Show?> GetShowAsync(Guid id, Func<Task<Show?>> load) =>
        GetAsync(ShowKey(id), "show", Show.Parser, load, options.CacheTtl, options.CacheJitter);

    public Task<ListShowSeatsResponse?> GetSeatMapAsync(Guid showId, Func<Task<ListShowSeatsResponse?>> load) =>
        GetAsync(SeatMapKey(showId), "seats", ListShowSeatsResponse.Parser, load, options.CacheTtl, options.CacheJitter);

    /// <summary>One page of a search, by a fingerprint of its normalised request.</summary>
    public async Task<ListShowsResponse> GetSearchAsync(string fingerprint, Func<Task<ListShowsResponse?>> load)
    {
        long generation;
        try { generation = (long?)await redis.StringGetAsync(SearchGenerationKey) ?? 0; }
        catch (RedisException) { return await load() ?? new ListShowsResponse(); }
        return await GetAsync(SearchKey(generation, fingerprint), "search", ListShowsResponse.Parser, load, options.SearchCacheTtl, options.SearchCacheJitter)
            ?? new ListShowsResponse();
    }

    /// <summary>
    /// Drops what <paramref name="change"/> made stale: the named shows' details and seat maps, and every cached search
    /// when searches changed. Best effort after a commit; the consumer asks for errors so it can retry.
    /// </summary>
    public async Task InvalidateAsync(CatalogChanged change, bool throwOnRedisError = false)
    {
        try
        {
            var keys = change.ShowIds.SelectMany(id => new RedisKey[] { ShowKey(id), SeatMapKey(id) }).ToArray();
            if (keys.Length > 0) await redis.KeyDeleteAsync(keys);
            if (change.SearchesChanged) await redis.StringIncrementAsync(SearchGenerationKey);
        }
        catch (RedisException) when (!throwOnRedisError)
        {
            // The change event (or the TTL without a broker) still clears it.
        }
    }

    private async Task<T?> GetAsync<T>(string key, string kind, MessageParser<T> parser, Func<Task<T?>> load, TimeSpan ttl, TimeSpan jitter)
        where T : class, IMessage<T>
    {
        var cached = await TryReadAsync(key);
        if (cached is not null)
        {
            metrics.Hit(kind);
            return parser.ParseFrom(cached);
        }
        metrics.Miss(kind);
        var bytes = await _flights.RunAsync(key, async () =>
        {
            // A reader that missed just before the previous flight stored the value, and arrives after that flight
            // ended, starts a new flight: it finds the stored copy here instead of loading the row again.
            if (await TryReadAsync(key) is { } stored) return stored;
            metrics.Load(kind);
            var value = await load();
            if (value is null) return null;   // absence is not cached: a show created a moment later must be seen
            var data = value.ToByteArray();
            await TryWriteAsync(key, data, ttl, jitter);
            return data;
        });
        return bytes is null ? null : parser.ParseFrom(bytes);
    }

    private async Task<byte[]?> TryReadAsync(string key)
    {
        try { return await redis.StringGetAsync(key); }
        catch (RedisException) { return null; }
    }

    private async Task TryWriteAsync(string key, byte[] data, TimeSpan ttl, TimeSpan jitter)
    {
        var extra = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * jitter.TotalMilliseconds);
        try { await redis.StringSetAsync(key, data, ttl + extra); }
        catch (RedisException) { }
    }
}
