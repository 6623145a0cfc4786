using Mesh.Analytics.V1;
using StackExchange.Redis;

namespace Mesh.Analytics.Risk;

/// <summary>What the rules see about one CheckRisk call: counts within their windows and the recent attempt times.</summary>
public sealed record RiskCounts
{
    /// <summary>Attempts of this action within the velocity window, per dimension ("user", "ip", "device", "card").</summary>
    public Dictionary<string, long> Attempts { get; init; } = [];

    /// <summary>Distinct cards tried within the card-testing window, per dimension ("user", "ip", "device").</summary>
    public Dictionary<string, long> Cards { get; init; } = [];

    public long Declines { get; init; }
    public long ExpiredHolds { get; init; }

    /// <summary>Times (Unix ms) of the latest attempts of any action by the user or device, oldest first.</summary>
    public IReadOnlyList<double> RecentAttempts { get; init; } = [];
}

/// <summary>
/// The windows the risk rules read, in Redis sorted sets (member = an event id or a card fingerprint, score = Unix ms):
/// attempts per action and user / IP / device / card (written by CheckRisk itself: every attempt counts, refused ones
/// too), cards per user / IP / device, declines and expired holds per user (written by the stream consumer from
/// payment.failed and booking.hold_expired; idempotent, since a member is added once). Each key is trimmed to the
/// longest window and expires with it.
/// </summary>
public sealed class RiskSignals(IDatabase redis, RiskOptions options)
{
    private TimeSpan Longest => new[] { options.VelocityWindow, options.CardTestingWindow, options.HoardingWindow }.Max();

    /// <summary>A declined payment of a user (stream consumer).</summary>
    public Task NoteDeclineAsync(string userId, string eventId, DateTimeOffset at) => AddAsync($"risk:decline:user:{userId}", eventId, at);

    /// <summary>A hold of a user that expired without a checkout (stream consumer).</summary>
    public Task NoteExpiredHoldAsync(string userId, string eventId, DateTimeOffset at) => AddAsync($"risk:expired_hold:user:{userId}", eventId, at);

    /// <summary>Records the attempt described by <paramref name="request"/>, then reads every window the rules need, in one round trip.</summary>
    public async Task<RiskCounts> RecordAndReadAsync(CheckRiskRequest request, DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        var attemptId = Guid.CreateVersion7().ToString();
        var dimensions = Dimensions(request);
        var writes = new List<Task>();
        foreach (var (dimension, key) in dimensions)
        {
            writes.Add(AddAsync($"risk:attempt:{request.Action}:{dimension}:{key}", attemptId, now));
            if (dimension is "user" or "device") writes.Add(AddAsync($"risk:any:{dimension}:{key}", attemptId, now));
            if (request.CardFingerprint.Length > 0 && dimension != "card")
                writes.Add(AddAsync($"risk:card:{dimension}:{key}", request.CardFingerprint, now));
        }
        await Task.WhenAll(writes);

        var velocityFrom = ms - (long)options.VelocityWindow.TotalMilliseconds;
        var cardsFrom = ms - (long)options.CardTestingWindow.TotalMilliseconds;
        var attempts = dimensions.ToDictionary(d => d.Dimension, d => redis.SortedSetLengthAsync($"risk:attempt:{request.Action}:{d.Dimension}:{d.Key}", velocityFrom));
        var cards = dimensions.Where(d => d.Dimension != "card")
            .ToDictionary(d => d.Dimension, d => redis.SortedSetLengthAsync($"risk:card:{d.Dimension}:{d.Key}", cardsFrom));
        var declines = request.UserId.Length == 0 ? Task.FromResult(0L) : redis.SortedSetLengthAsync($"risk:decline:user:{request.UserId}", cardsFrom);
        var expired = request.UserId.Length == 0 ? Task.FromResult(0L)
            : redis.SortedSetLengthAsync($"risk:expired_hold:user:{request.UserId}", ms - (long)options.HoardingWindow.TotalMilliseconds);
        var cadenceKey = request.UserId.Length > 0 ? $"risk:any:user:{request.UserId}" : request.DeviceId.Length > 0 ? $"risk:any:device:{request.DeviceId}" : null;
        var recent = cadenceKey is null ? Task.FromResult(Array.Empty<SortedSetEntry>())
            : redis.SortedSetRangeByRankWithScoresAsync(cadenceKey, -options.CadenceSamples, -1);
        await Task.WhenAll([.. attempts.Values, .. cards.Values, declines, expired, recent]);
        return new RiskCounts
        {
            Attempts = attempts.ToDictionary(a => a.Key, a => a.Value.Result),
            Cards = cards.ToDictionary(c => c.Key, c => c.Value.Result),
            Declines = declines.Result,
            ExpiredHolds = expired.Result,
            RecentAttempts = recent.Result.Select(e => e.Score).ToList(),
        };
    }

    private static List<(string Dimension, string Key)> Dimensions(CheckRiskRequest request)
    {
        var dimensions = new List<(string, string)>(4);
        if (request.UserId.Length > 0) dimensions.Add(("user", request.UserId));
        if (request.Ip.Length > 0) dimensions.Add(("ip", request.Ip));
        if (request.DeviceId.Length > 0) dimensions.Add(("device", request.DeviceId));
        if (request.CardFingerprint.Length > 0) dimensions.Add(("card", request.CardFingerprint));
        return dimensions;
    }

    private async Task AddAsync(string key, string member, DateTimeOffset at)
    {
        var ms = at.ToUnixTimeMilliseconds();
        var longest = Longest;
        var add = redis.SortedSetAddAsync(key, member, ms);
        var trim = redis.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, ms - longest.TotalMilliseconds, Exclude.Stop);
        var expire = redis.KeyExpireAsync(key, longest);
        await Task.WhenAll(add, trim, expire);
    }
}
