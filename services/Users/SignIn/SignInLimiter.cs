using StackExchange.Redis;

namespace Mesh.Users.SignIn;

/// <summary>
/// Failed sign-ins counted per email and per client IP in Redis (shared by every replica). Reaching the limit locks
/// that email or IP; each lock-out lasts twice the previous one (up to a maximum) while failures are remembered.
/// Unknown emails are counted exactly like known ones, so a lock-out reveals nothing about which emails exist.
/// Time comes from <see cref="TimeProvider"/> (stored as "locked until"), not from Redis expiry, so it can be tested.
/// </summary>
public sealed class SignInLimiter(IDatabase redis, SignInLimitOptions options, TimeProvider time)
{
    // KEYS[1]: counter hash {f: failures, l: lock-outs so far, u: locked until (unix ms)}.
    // ARGV: now ms, failure limit, base lock-out ms, max lock-out ms, memory seconds.
    private const string FailureScript = """
        local f = redis.call('HINCRBY', KEYS[1], 'f', 1)
        local u = 0
        if f >= tonumber(ARGV[2]) then
          local l = redis.call('HINCRBY', KEYS[1], 'l', 1)
          local d = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * math.pow(2, l - 1))
          u = tonumber(ARGV[1]) + d
          redis.call('HSET', KEYS[1], 'u', string.format('%d', u), 'f', 0)
        end
        redis.call('EXPIRE', KEYS[1], ARGV[5])
        return u
        """;

    /// <summary>When the email or the IP is locked: until when (the later of the two); null when sign-in may proceed.</summary>
    public async Task<DateTimeOffset?> LockedUntilAsync(string email, string ip)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = Math.Max(await LockedUntilMsAsync(AccountKey(email)), await LockedUntilMsAsync(IpKey(ip)));
        return until > now ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null;
    }

    public async Task RecordFailureAsync(string email, string ip)
    {
        await FailAsync(AccountKey(email), options.AccountFailures);
        await FailAsync(IpKey(ip), options.IpFailures);
    }

    /// <summary>A successful sign-in clears the email's failure count (the lock-out history stays, so abuse still escalates).</summary>
    public async Task RecordSuccessAsync(string email)
    {
        // Only an email with a history has a key; a clean sign-in must not create one (it would never expire).
        if (await redis.KeyExistsAsync(AccountKey(email))) await redis.HashSetAsync(AccountKey(email), "f", 0);
    }

    private async Task<long> LockedUntilMsAsync(string key)
    {
        var value = await redis.HashGetAsync(key, "u");
        return value.IsNull ? 0 : (long)value;
    }

    private Task FailAsync(string key, int limit) => redis.ScriptEvaluateAsync(FailureScript, [key],
    [
        time.GetUtcNow().ToUnixTimeMilliseconds(), Math.Max(1, limit), (long)options.BaseLockout.TotalMilliseconds,
        (long)options.MaxLockout.TotalMilliseconds, (long)options.Memory.TotalSeconds,
    ]);

    private static string AccountKey(string email) => "signin:email:" + email;
    private static string IpKey(string ip) => "signin:ip:" + ip;
}
