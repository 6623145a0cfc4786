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

    /// <summary>A window entry the stream consumer writes: a declined payment or an expired hold of a user.</summary>
    public sealed record Note(string Key, string EventId, long UnixMs);

    /// <summary>The note an event of the stream makes (payment.failed → a decline, booking.hold_expired → an expired hold), or null.</summary>
    public static Note? NoteFor(AnalyticsEvent e)
    {
        if (e.UserId.Length == 0) return null;
        var key = e.Type switch
        {
            "payment" when e.Attributes.GetValueOrDefault("outcome") == "failed" => $"risk:decline:user:{e.UserId}",
            "hold_expired" => $"risk:expired_hold:user:{e.UserId}",
            _ => null,
        };
        return key is null ? null : new Note(key, e.Id, e.Time.ToDateTimeOffset().ToUnixTimeMilliseconds());
    }

    // The consumer's notes of one batch in one call: per note ZADD (idempotent: a member is added once), the trim of
    // what is older than the longest window before the note, the window's expiry. KEYS = one per note;
    // ARGV[1] = ttl (s), then per note: member, score (ms), "(trim-before".
    private const string AddNotes = """
        for i = 1, #KEYS do
          redis.call('ZADD', KEYS[i], ARGV[3 * i], ARGV[3 * i - 1])
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[3 * i + 1])
          redis.call('EXPIRE', KEYS[i], ARGV[1])
        end
        return #KEYS
        """;

    /// <summary>Writes the stream consumer's notes (declines, expired holds) of one batch, in one round trip.</summary>
    public Task NoteAsync(IReadOnlyList<Note> notes)
    {
        if (notes.Count == 0) return Task.CompletedTask;
        var longest = Longest;
        var args = new List<RedisValue>(1 + notes.Count * 3) { (long)longest.TotalSeconds };
        foreach (var note in notes)
        {
            args.Add(note.EventId);
            args.Add(note.UnixMs);
            args.Add($"({note.UnixMs - (long)longest.TotalMilliseconds}");
        }
        return redis.ScriptEvaluateAsync(AddNotes, [.. notes.Select(n => (RedisKey)n.Key)], [.. args]);
    }

    // One round trip per CheckRisk: the writes (ZADD, trim, EXPIRE per window), then the counts, then the latest
    // attempt times. KEYS = written windows, counted windows, the cadence window (if any).
    // ARGV = #writes, now (ms), "(trim-before", ttl (s), one member per write, #counts, one min score per count, #samples.
    private const string RecordAndRead = """
        local n = tonumber(ARGV[1])
        for i = 1, n do
          redis.call('ZADD', KEYS[i], ARGV[2], ARGV[4 + i])
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[3])
          redis.call('EXPIRE', KEYS[i], ARGV[4])
        end
        local m = tonumber(ARGV[5 + n])
        local out = {}
        for j = 1, m do out[j] = redis.call('ZCOUNT', KEYS[n + j], ARGV[5 + n + j], '+inf') end
        local samples = tonumber(ARGV[6 + n + m])
        if samples > 0 then
          local recent = redis.call('ZRANGE', KEYS[n + m + 1], -samples, -1, 'WITHSCORES')
          for k = 2, #recent, 2 do out[#out + 1] = recent[k] end
        end
        return out
        """;

    /// <summary>Records the attempt described by <paramref name="request"/>, then reads every window the rules need, in one round trip (a Lua script).</summary>
    public async Task<RiskCounts> RecordAndReadAsync(CheckRiskRequest request, DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        var attemptId = Guid.CreateVersion7().ToString();
        var dimensions = Dimensions(request);
        var writes = new List<(string Key, string Member)>();
        foreach (var (dimension, key) in dimensions)
        {
            writes.Add(($"risk:attempt:{request.Action}:{dimension}:{key}", attemptId));
            if (dimension is "user" or "device") writes.Add(($"risk:any:{dimension}:{key}", attemptId));
            if (request.CardFingerprint.Length > 0 && dimension != "card") writes.Add(($"risk:card:{dimension}:{key}", request.CardFingerprint));
        }

        var velocityFrom = ms - (long)options.VelocityWindow.TotalMilliseconds;
        var cardsFrom = ms - (long)options.CardTestingWindow.TotalMilliseconds;
        var counts = new List<(string Kind, string Dimension, string Key, long From)>();
        foreach (var (dimension, key) in dimensions)
            counts.Add(("attempt", dimension, $"risk:attempt:{request.Action}:{dimension}:{key}", velocityFrom));
        foreach (var (dimension, key) in dimensions.Where(d => d.Dimension != "card"))
            counts.Add(("card", dimension, $"risk:card:{dimension}:{key}", cardsFrom));
        if (request.UserId.Length > 0)
        {
            counts.Add(("decline", "user", $"risk:decline:user:{request.UserId}", cardsFrom));
            counts.Add(("expired", "user", $"risk:expired_hold:user:{request.UserId}", ms - (long)options.HoardingWindow.TotalMilliseconds));
        }
        var cadenceKey = request.UserId.Length > 0 ? $"risk:any:user:{request.UserId}" : request.DeviceId.Length > 0 ? $"risk:any:device:{request.DeviceId}" : null;

        var keys = new List<RedisKey>(writes.Select(w => (RedisKey)w.Key));
        keys.AddRange(counts.Select(c => (RedisKey)c.Key));
        if (cadenceKey is not null) keys.Add(cadenceKey);
        var args = new List<RedisValue> { writes.Count, ms, $"({ms - (long)Longest.TotalMilliseconds}", (long)Longest.TotalSeconds };
        args.AddRange(writes.Select(w => (RedisValue)w.Member));
        args.Add(counts.Count);
        args.AddRange(counts.Select(c => (RedisValue)c.From));
        args.Add(cadenceKey is null ? 0 : options.CadenceSamples);

        var result = (RedisResult[])(await redis.ScriptEvaluateAsync(RecordAndRead, [.. keys], [.. args]))!;
        long Count(int i) => (long)result[i];
        var answer = new RiskCounts
        {
            RecentAttempts = result.Skip(counts.Count).Select(r => double.Parse((string)r!, System.Globalization.CultureInfo.InvariantCulture)).ToList(),
        };
        long declines = 0, expired = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            switch (counts[i].Kind)
            {
                case "attempt": answer.Attempts[counts[i].Dimension] = Count(i); break;
                case "card": answer.Cards[counts[i].Dimension] = Count(i); break;
                case "decline": declines = Count(i); break;
                default: expired = Count(i); break;
            }
        }
        return answer with { Declines = declines, ExpiredHolds = expired };
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
}
