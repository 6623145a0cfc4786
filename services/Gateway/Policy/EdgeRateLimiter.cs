using System.Globalization;
using System.Threading.RateLimiting;
using Mesh.Gateway.Errors;
using Mesh.Gateway.Routing;
using Mesh.ServiceDefaults.Auth;
using Microsoft.AspNetCore.RateLimiting;
using RedisRateLimiting;
using StackExchange.Redis;

namespace Mesh.Gateway.Policy;

/// <summary>
/// Rate limits per client IP and per user, on ASP.NET Core's rate limiter with token buckets kept in Redis
/// (RedisRateLimiting), so every edge replica takes from the same buckets. A routed request takes one token from its
/// client IP's bucket and, when a valid token names a user, one from that user's; over either limit it is answered
/// 429 RESOURCE_EXHAUSTED with Retry-After. Buckets are per scope (<see cref="RateLimitOptions.ScopeOf"/>). Runs after
/// authorization, so the user is known; requests that are not REST routes (/health, /docs) are not limited.
/// </summary>
public static class EdgeRateLimiter
{
    /// <summary>The lease metadata RedisRateLimiting's token bucket reports its retry time under (whole seconds).</summary>
    private const string RedisRetryAfter = "RATELIMIT_RETRYAFTER";

    public static void Configure(RateLimiterOptions limiter, RateLimitOptions options, IConnectionMultiplexer redis, ILogger logger, TimeProvider clock)
    {
        RateLimiter Bucket(string key, BucketLimit limit) => new FailOpenRateLimiter(
            new RedisTokenBucketRateLimiter<string>(key, new RedisTokenBucketRateLimiterOptions
            {
                ConnectionMultiplexerFactory = () => redis,
                TokenLimit = Math.Max(1, (int)Math.Round(limit.Capacity)),
                // One token per period: a steady refill at PerSecond, not a burst once a second.
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1 / limit.PerSecond),
            }), logger, clock);

        var perIp = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (Limits(context, options) is not ({ } scope, { PerIp: { Capacity: > 0, PerSecond: > 0 } limit })) return RateLimitPartition.GetNoLimiter("");
            var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            return RateLimitPartition.Get($"{options.KeyPrefix}ip:{ip}:{scope}", key => Bucket(key, limit));
        });
        var perUser = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (Limits(context, options) is not ({ } scope, { PerUser: { Capacity: > 0, PerSecond: > 0 } limit })
                || AuthenticatedUser.From(context.User) is not { } user) return RateLimitPartition.GetNoLimiter("");
            return RateLimitPartition.Get($"{options.KeyPrefix}user:{user.Subject}:{scope}", key => Bucket(key, limit));
        });

        limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(perIp, perUser);
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.OnRejected = (rejected, _) =>
        {
            var context = rejected.HttpContext;
            var seconds = RetryAfterSeconds(rejected.Lease, context, options);
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return new ValueTask(EdgeErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests, StatusCode.ResourceExhausted,
                "Too many requests: slow down and retry after the time in Retry-After."));
        };
    }

    private static (string? Scope, RouteLimits? Limits) Limits(HttpContext context, RateLimitOptions options)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<EdgeRoute>() is not { } route) return (null, null);
        var service = route.Method.Service.FullName;
        return (options.ScopeOf(service, route.Method.Name), options.For(service, route.Method.Name));
    }

    /// <summary>
    /// Whole seconds, at least 1: the bucket's own answer when it gives one, else the time one token takes to come
    /// back in the slowest bucket the request took from.
    /// </summary>
    private static int RetryAfterSeconds(RateLimitLease lease, HttpContext context, RateLimitOptions options)
    {
        double? seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter.TotalSeconds
            : lease.TryGetMetadata(RedisRetryAfter, out var redisSeconds) && redisSeconds is IConvertible value ? value.ToDouble(CultureInfo.InvariantCulture)
            : null;
        if (seconds is not > 0 && Limits(context, options) is (_, { } limits))
            seconds = new[] { limits.PerIp, limits.PerUser }.Where(l => l is { PerSecond: > 0 }).Select(l => 1 / l!.PerSecond).DefaultIfEmpty(1).Max();
        return Math.Max(1, (int)Math.Ceiling(seconds ?? 1));
    }
}
