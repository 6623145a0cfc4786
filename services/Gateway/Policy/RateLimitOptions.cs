namespace Mesh.Gateway.Policy;

/// <summary>A token bucket: holds up to <see cref="Capacity"/> requests, refilled at <see cref="PerSecond"/>.</summary>
public sealed class BucketLimit
{
    public double Capacity { get; set; }
    public double PerSecond { get; set; }
}

/// <summary>The limits of one route (or the default): per client IP, and per authenticated user.</summary>
public sealed class RouteLimits
{
    public BucketLimit? PerIp { get; set; }
    public BucketLimit? PerUser { get; set; }
}

/// <summary>
/// <c>Gateway:RateLimits</c>. Routes are keyed by "pkg.Service/Method" or "pkg.Service/*"; a route's setting
/// replaces the default for that kind of bucket, and gets buckets of its own; routes without one share the caller's
/// default buckets. Enforced only when the Redis connection string is configured (every edge replica shares it).
/// <code>"RateLimits": { "Redis": "cache", "Default": { "PerIp": { "Capacity": 100, "PerSecond": 50 } },
///   "Routes": { "mesh.booking.v1.Booking/CreateHold": { "PerUser": { "Capacity": 5, "PerSecond": 1 } } } }</code>
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Gateway:RateLimits";

    /// <summary>The connection string name of the Redis shared by every replica (ConnectionStrings:{Redis}).</summary>
    public string Redis { get; set; } = "cache";

    /// <summary>Prefix of every bucket key.</summary>
    public string KeyPrefix { get; set; } = "gateway:rl:";

    public RouteLimits Default { get; set; } = new()
    {
        PerIp = new BucketLimit { Capacity = 200, PerSecond = 100 },
        PerUser = new BucketLimit { Capacity = 100, PerSecond = 50 },
    };

    public Dictionary<string, RouteLimits> Routes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Which buckets a method takes from: its own entry's, its service's, or the shared default ones.</summary>
    public string ScopeOf(string service, string method) =>
        Routes.ContainsKey($"{service}/{method}") ? $"{service}/{method}"
        : Routes.ContainsKey($"{service}/*") ? $"{service}/*"
        : "default";

    public RouteLimits For(string service, string method)
    {
        var specific = Routes.GetValueOrDefault($"{service}/{method}") ?? Routes.GetValueOrDefault($"{service}/*");
        return new RouteLimits
        {
            PerIp = specific?.PerIp ?? Default.PerIp,
            PerUser = specific?.PerUser ?? Default.PerUser,
        };
    }
}
