using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace Mesh.Gateway.Policy;

/// <summary>
/// One Redis token bucket (RedisRateLimiting) as the edge uses it:
/// <list type="bullet">
/// <item>Fail open: when Redis does not answer, the request is let through and a warning logged (at most every
/// <see cref="WarningInterval"/>). Rate limiting protects the services; it must not become their outage.</item>
/// <item>Asynchronous only: ASP.NET Core's rate limiter first tries <see cref="RateLimiter.AttemptAcquire"/>, which
/// would be a synchronous Redis round trip blocking a thread (the edge schedules inline on socket threads); it is
/// answered "not acquired" at once, so the middleware goes on to <see cref="RateLimiter.AcquireAsync"/>.</item>
/// </list>
/// </summary>
public sealed class FailOpenRateLimiter(RateLimiter redisBucket, ILogger logger, TimeProvider clock) : RateLimiter
{
    public static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    private static readonly RateLimitLease NotTried = new Lease(false);
    private static readonly RateLimitLease LetThrough = new Lease(true);
    private static long s_lastWarning = long.MinValue;

    public override TimeSpan? IdleDuration => redisBucket.IdleDuration;

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => NotTried;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        try
        {
            return await redisBucket.AcquireAsync(permitCount, cancellationToken);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            var now = clock.GetTimestamp();
            var last = Interlocked.Read(ref s_lastWarning);
            if ((last == long.MinValue || clock.GetElapsedTime(last, now) >= WarningInterval)
                && Interlocked.CompareExchange(ref s_lastWarning, now, last) == last)
                logger.LogWarning(e, "Rate limits are not enforced: Redis did not answer. Requests pass unlimited until it does.");
            return LetThrough;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) redisBucket.Dispose();
        base.Dispose(disposing);
    }

    private sealed class Lease(bool acquired) : RateLimitLease
    {
        public override bool IsAcquired => acquired;
        public override IEnumerable<string> MetadataNames => [];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
