using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>
/// JwtBearer's token handler with a memory of tokens it has already accepted. Verifying an ES256 signature costs more
/// CPU than the rest of a typical gRPC call (docs/performance.md §6), and a client sends the same access token with
/// every call until it expires. A token seen valid is accepted again without verification until its expiry (plus the
/// allowed skew) by this service's clock, and for at most <see cref="MaxAge"/>, so a key the issuer withdraws stops
/// working within that time; and only under parameters that accept its iss, aud and alg (<see cref="AcceptedToken.AcceptableAt"/>).
/// Only successes are remembered; a failure is always validated again. Bounded in size.
/// <see cref="AcceptedTokenShortcut"/> asks it before JwtBearer does any work of its own (docs/performance.md §6f).
/// </summary>
public sealed class ValidatedTokenCache : JsonWebTokenHandler
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    /// <summary>At most this many tokens are remembered; while full, newly accepted tokens are accepted but not remembered.</summary>
    public const int Capacity = 10_000;

    /// <summary>How often (at most) tokens past their time are removed, on the path that verifies a signature anyway.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, AcceptedToken> _accepted = new(StringComparer.Ordinal);
    // Looks a token up by the span of the Authorization header it came in, so a request needs no substring of it.
    private readonly ConcurrentDictionary<string, AcceptedToken>.AlternateLookup<ReadOnlySpan<char>> _byHeaderSpan;
    private readonly Lock _sweeping = new();
    private int _count;
    private long _nextSweepTicks;

    public ValidatedTokenCache(TimeProvider time)
    {
        _time = time;
        _byHeaderSpan = _accepted.GetAlternateLookup<ReadOnlySpan<char>>();
        _nextSweepTicks = (time.GetUtcNow() + SweepInterval).UtcTicks;
    }

    /// <summary>How many accepted tokens are remembered now.</summary>
    public int Count => Volatile.Read(ref _count);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (TryGetAccepted(token, validationParameters, out var accepted))
            return accepted.NewResult();

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid) Remember(token, result, validationParameters.ClockSkew);
        return result;
    }

    /// <summary>The remembered acceptance of <paramref name="token"/>, if it may be accepted again now under <paramref name="parameters"/>.</summary>
    public bool TryGetAccepted(ReadOnlySpan<char> token, TokenValidationParameters parameters, [NotNullWhen(true)] out AcceptedToken? accepted)
    {
        if (_byHeaderSpan.TryGetValue(token, out var seen) && seen.AcceptableAt(_time.GetUtcNow(), parameters))
        {
            accepted = seen;
            return true;
        }
        accepted = null;
        return false;
    }

    private void Remember(string token, TokenValidationResult result, TimeSpan clockSkew)
    {
        var now = _time.GetUtcNow();
        if (AcceptedToken.From(token, result, now, clockSkew) is not { } entry) return;
        SweepIfDue(now);
        if (_accepted.TryGetValue(token, out var previous))
            _accepted.TryUpdate(token, entry, previous);
        else if (Count < Capacity && _accepted.TryAdd(token, entry))
            Interlocked.Increment(ref _count);
    }

    /// <summary>Drops the tokens that may no longer be accepted from memory, at most once per <see cref="SweepInterval"/>.</summary>
    private void SweepIfDue(DateTimeOffset now)
    {
        if (now.UtcTicks < Volatile.Read(ref _nextSweepTicks) || !_sweeping.TryEnter()) return;
        try
        {
            Volatile.Write(ref _nextSweepTicks, (now + SweepInterval).UtcTicks);
            foreach (var pair in _accepted)
                if (!pair.Value.RememberedAt(now) && _accepted.TryRemove(pair))
                    Interlocked.Decrement(ref _count);
        }
        finally
        {
            _sweeping.Exit();
        }
    }
}
