using System.Security.Cryptography;
using System.Text;
using Mesh.ServiceDefaults.Auth;
using StackExchange.Redis;

namespace Mesh.Users.Tokens;

/// <summary>What trading a refresh token gave: a new token for the user's session, or why not.</summary>
public readonly record struct RefreshOutcome(RefreshResult Result, Guid UserId, string SessionId, string? NewToken);

public enum RefreshResult { Rotated, Unknown, Reused, SessionEnded }

/// <summary>
/// Opaque refresh tokens (32 random bytes), stored in Redis only as SHA-256 hashes. Each belongs to a session (a
/// "family"); using one marks it spent and issues the next. A spent token used again means it was stolen (or the
/// client is broken): the whole session ends. Sign-out and a password change end sessions too. Layout:
/// <c>rt:{hash}</c> {uid, sid, spent}, <c>session:{sid}</c> = uid while the session lives, <c>user-sessions:{uid}</c> = set of sids.
/// </summary>
public sealed class RefreshTokens(IDatabase redis, TokenOptions options)
{
    // KEYS: the presented token, its session, the next token. ARGV: uid, sid, ttl seconds.
    // Spends the token and stores the next one atomically; a spent token ends the session.
    private const string RotateScript = """
        if redis.call('EXISTS', KEYS[2]) == 0 then return 'ended' end
        if redis.call('HGET', KEYS[1], 'spent') == '1' then
          redis.call('DEL', KEYS[2])
          return 'reused'
        end
        redis.call('HSET', KEYS[1], 'spent', '1')
        redis.call('HSET', KEYS[3], 'uid', ARGV[1], 'sid', ARGV[2], 'spent', '0')
        redis.call('EXPIRE', KEYS[3], ARGV[3])
        redis.call('EXPIRE', KEYS[2], ARGV[3])
        return 'rotated'
        """;

    private int TtlSeconds => (int)options.RefreshTokenLifetime.TotalSeconds;

    /// <summary>Starts a session; returns its id and its first refresh token.</summary>
    public async Task<(string SessionId, string Token)> StartSessionAsync(Guid userId)
    {
        var sessionId = Guid.CreateVersion7().ToString("N");
        var token = NewToken();
        var ttl = options.RefreshTokenLifetime;
        var batch = redis.CreateTransaction();
        _ = batch.StringSetAsync(SessionKey(sessionId), userId.ToString(), ttl);
        _ = batch.SetAddAsync(UserSessionsKey(userId), sessionId);
        _ = batch.KeyExpireAsync(UserSessionsKey(userId), ttl);
        _ = batch.HashSetAsync(TokenKey(token), [new("uid", userId.ToString()), new("sid", sessionId), new("spent", "0")]);
        _ = batch.KeyExpireAsync(TokenKey(token), ttl);
        await batch.ExecuteAsync();
        return (sessionId, token);
    }

    public async Task<RefreshOutcome> RotateAsync(string token)
    {
        var fields = await redis.HashGetAsync(TokenKey(token), ["uid", "sid"]);
        if (fields[0].IsNull || fields[1].IsNull || !Guid.TryParse((string?)fields[0], out var userId))
            return new RefreshOutcome(RefreshResult.Unknown, Guid.Empty, "", null);
        var sessionId = (string)fields[1]!;
        var next = NewToken();
        var result = (string?)await redis.ScriptEvaluateAsync(RotateScript,
            [TokenKey(token), SessionKey(sessionId), TokenKey(next)], [userId.ToString(), sessionId, TtlSeconds]);
        return result switch
        {
            "rotated" => new RefreshOutcome(RefreshResult.Rotated, userId, sessionId, next),
            "reused" => new RefreshOutcome(RefreshResult.Reused, userId, sessionId, null),
            _ => new RefreshOutcome(RefreshResult.SessionEnded, userId, sessionId, null),
        };
    }

    public Task<bool> IsSessionActiveAsync(string sessionId) => redis.KeyExistsAsync(SessionKey(sessionId));

    public Task EndSessionAsync(string sessionId) => redis.KeyDeleteAsync(SessionKey(sessionId));

    /// <summary>Ends every session of a user (password change).</summary>
    public async Task EndAllSessionsAsync(Guid userId)
    {
        var sessions = await redis.SetMembersAsync(UserSessionsKey(userId));
        if (sessions.Length > 0) await redis.KeyDeleteAsync(sessions.Select(s => (RedisKey)SessionKey((string)s!)).ToArray());
        await redis.KeyDeleteAsync(UserSessionsKey(userId));
    }

    private static string NewToken() => Base64Url.Encode(RandomNumberGenerator.GetBytes(32));

    private static string TokenKey(string token) => "rt:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    private static string SessionKey(string sessionId) => "session:" + sessionId;
    private static string UserSessionsKey(Guid userId) => "user-sessions:" + userId;
}
