using System.Globalization;
using StackExchange.Redis;

namespace Mesh.Gateway.Policy;

/// <summary>One bucket to take a token from: its Redis key and its limit.</summary>
public sealed record BucketRequest(string Key, BucketLimit Limit);

/// <summary>Allowed, or not and for how long to wait.</summary>
public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter);

/// <summary>
/// Token buckets in Redis, shared by every gateway replica. One Lua script refills and takes from all the buckets
/// of a request atomically (all or nothing), on Redis's own clock (TIME) so replicas with skewed clocks agree.
/// When Redis is unreachable the edge fails open (and logs): rate limiting must not become an outage.
/// </summary>
public sealed class RedisRateLimiter(IConnectionMultiplexer redis, string keyPrefix, ILogger<RedisRateLimiter> logger)
{
    // KEYS: bucket keys. ARGV: cost, then capacity and refill-per-millisecond for each key.
    // Returns {allowed (1/0), wait in ms until the request would be allowed}.
    private const string TokenBucketScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local cost = tonumber(ARGV[1])
        local tokens = {}
        local wait = 0
        for i = 1, #KEYS do
          local cap = tonumber(ARGV[2 * i])
          local rate = tonumber(ARGV[2 * i + 1])
          local state = redis.call('HMGET', KEYS[i], 't', 'ts')
          local tk = tonumber(state[1])
          local ts = tonumber(state[2])
          if tk == nil or ts == nil then tk = cap; ts = now end
          tk = math.min(cap, tk + math.max(0, now - ts) * rate)
          tokens[i] = tk
          if tk < cost then
            local w = math.ceil((cost - tk) / rate)
            if w > wait then wait = w end
          end
        end
        local allowed = 0
        if wait == 0 then allowed = 1 end
        for i = 1, #KEYS do
          local cap = tonumber(ARGV[2 * i])
          local rate = tonumber(ARGV[2 * i + 1])
          local tk = tokens[i]
          if allowed == 1 then tk = tk - cost end
          redis.call('HSET', KEYS[i], 't', tostring(tk), 'ts', tostring(now))
          redis.call('PEXPIRE', KEYS[i], math.ceil(cap / rate) + 1000)
        end
        return {allowed, wait}
        """;

    public async Task<RateLimitDecision> AcquireAsync(IReadOnlyList<BucketRequest> buckets)
    {
        if (buckets.Count == 0) return new RateLimitDecision(true, TimeSpan.Zero);
        var keys = buckets.Select(b => (RedisKey)(keyPrefix + b.Key)).ToArray();
        var args = new List<RedisValue> { 1 };
        foreach (var bucket in buckets)
        {
            args.Add(bucket.Limit.Capacity.ToString("R", CultureInfo.InvariantCulture));
            args.Add((bucket.Limit.PerSecond / 1000.0).ToString("R", CultureInfo.InvariantCulture));
        }
        try
        {
            var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(TokenBucketScript, keys, args.ToArray()))!;
            return new RateLimitDecision((int)result[0] == 1, TimeSpan.FromMilliseconds((long)result[1]));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Rate limiting skipped: Redis did not answer.");
            return new RateLimitDecision(true, TimeSpan.Zero);
        }
    }
}
