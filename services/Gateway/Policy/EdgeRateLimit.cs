using Mesh.ServiceDefaults.Auth;
using Mesh.Gateway.Transcoding;

namespace Mesh.Gateway.Policy;

/// <summary>
/// Takes one token from the caller's buckets for a method: per client IP always, per user when authenticated.
/// A route with its own limit gets its own buckets; otherwise the caller's default buckets are shared by all routes.
/// Over the limit → 429 RESOURCE_EXHAUSTED with Retry-After (whole seconds, rounded up).
/// </summary>
public sealed class EdgeRateLimit(RedisRateLimiter? limiter, RateLimitOptions options)
{
    public async Task CheckAsync(HttpContext context, GatewayMethod method, AuthenticatedUser? user)
    {
        if (limiter is null) return;
        var service = method.Descriptor.Service.FullName;
        var limits = options.For(service, method.Descriptor.Name);
        var scope = options.Routes.ContainsKey(method.FullName) ? method.FullName
            : options.Routes.ContainsKey($"{service}/*") ? $"{service}/*" : "default";
        var buckets = new List<BucketRequest>(2);
        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (limits.PerIp is { Capacity: > 0, PerSecond: > 0 } perIp) buckets.Add(new BucketRequest($"ip:{ip}:{scope}", perIp));
        if (user is not null && limits.PerUser is { Capacity: > 0, PerSecond: > 0 } perUser)
            buckets.Add(new BucketRequest($"user:{user.Subject}:{scope}", perUser));

        var decision = await limiter.AcquireAsync(buckets);
        if (decision.Allowed) return;
        var error = new GatewayException(StatusCodes.Status429TooManyRequests, StatusCode.ResourceExhausted,
            "Too many requests: slow down and retry after the time in Retry-After.");
        error.Headers["Retry-After"] = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        throw error;
    }
}
