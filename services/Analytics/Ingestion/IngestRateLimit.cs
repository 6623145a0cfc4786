using StackExchange.Redis;

namespace Mesh.Analytics.Ingestion;

/// <summary>
/// Events per minute per signed-in user or anonymous device over the edge, counted in Redis (shared by every replica):
/// a fixed one-minute window per sender. A batch that would pass the limit is refused whole with RESOURCE_EXHAUSTED
/// (nothing kept), so a client knows to slow down and send it again.
/// </summary>
public sealed class IngestRateLimit(IDatabase redis, AnalyticsOptions options, TimeProvider time)
{
    public async Task CheckAsync(string sender, int events)
    {
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        var key = $"ingest:{sender}:{minute}";
        var count = await redis.StringIncrementAsync(key, events);
        if (count == events) await redis.KeyExpireAsync(key, TimeSpan.FromMinutes(2));
        if (count > options.EventsPerMinute)
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"At most {options.EventsPerMinute} events a minute per user or device; send this batch again in a minute."));
    }
}
