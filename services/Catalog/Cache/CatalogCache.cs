using Google.Protobuf;
using Mesh.Catalog.V1;
using StackExchange.Redis;

namespace Mesh.Catalog.Cache;

/// <summary>
/// Cache-aside in Redis for show details and seat maps: read Redis; on a miss load from PostgreSQL once per key
/// (single-flight), store with TTL + jitter. Writers call the Invalidate methods after their transaction commits.
/// A Redis outage degrades to database reads, never to errors. Values are protobuf bytes.
/// </summary>
public sealed class CatalogCache(IDatabase redis, CatalogOptions options, CacheMetrics metrics)
{
    private readonly SingleFlight<byte[]?> _flights = new();

    public static string ShowKey(Guid id) => $"show:{id:N}";
    public static string SeatMapKey(Guid showId) => $"seats:{showId:N}";

    public Task<Show?> GetShowAsync(Guid id, Func<Task<Show?>> load) =>
        GetAsync(ShowKey(id), "show", Show.Parser, load);

    public Task<ListShowSeatsResponse?> GetSeatMapAsync(Guid showId, Func<Task<ListShowSeatsResponse?>> load) =>
        GetAsync(SeatMapKey(showId), "seats", ListShowSeatsResponse.Parser, load);

    /// <summary>Drops everything cached about a show (its details and its seat map).</summary>
    public async Task InvalidateShowAsync(Guid showId)
    {
        try { await redis.KeyDeleteAsync([ShowKey(showId), SeatMapKey(showId)]); }
        catch (RedisException) { } // the TTL bounds staleness when Redis is away
    }

    public async Task InvalidateShowsAsync(IEnumerable<Guid> showIds)
    {
        var keys = showIds.SelectMany(id => new RedisKey[] { ShowKey(id), SeatMapKey(id) }).ToArray();
        if (keys.Length == 0) return;
        try { await redis.KeyDeleteAsync(keys); }
        catch (RedisException) { }
    }

    private async Task<T?> GetAsync<T>(string key, string kind, MessageParser<T> parser, Func<Task<T?>> load) where T : class, IMessage<T>
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
            metrics.Load(kind);
            var value = await load();
            if (value is null) return null;   // absence is not cached: a show created a moment later must be seen
            var data = value.ToByteArray();
            await TryWriteAsync(key, data);
            return data;
        });
        return bytes is null ? null : parser.ParseFrom(bytes);
    }

    private async Task<byte[]?> TryReadAsync(string key)
    {
        try { return await redis.StringGetAsync(key); }
        catch (RedisException) { return null; }
    }

    private async Task TryWriteAsync(string key, byte[] data)
    {
        var jitter = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * options.CacheJitter.TotalMilliseconds);
        try { await redis.StringSetAsync(key, data, options.CacheTtl + jitter); }
        catch (RedisException) { }
    }
}
