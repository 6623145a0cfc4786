using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>
/// JwtBearer's token handler with a memory of tokens it has already accepted. Verifying an ES256 signature costs more
/// CPU than the rest of a typical gRPC call (docs/performance.md §6), and a client sends the same access token with
/// every call until it expires. A token seen valid is accepted again without verification until its expiry (plus the
/// allowed skew) by this service's clock, and for at most <see cref="MaxAge"/>, so a key the issuer withdraws stops
/// working within that time. Only successes are remembered; a failure is always validated again. Bounded in size.
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider time) : JsonWebTokenHandler, IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    private const int Capacity = 10_000;

    private readonly MemoryCache _accepted = new(new MemoryCacheOptions { SizeLimit = Capacity });

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow();
        if (_accepted.TryGetValue(token, out Accepted? seen) && seen is not null && now < seen.Until)
            return seen.Fresh();

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo != DateTime.MinValue)
        {
            var expires = new DateTimeOffset(DateTime.SpecifyKind(jwt.ValidTo, DateTimeKind.Utc)) + validationParameters.ClockSkew;
            var until = expires < now + MaxAge ? expires : now + MaxAge;
            if (until > now)
                _accepted.Set(token, new Accepted(result, until), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = until });
        }
        return result;
    }

    public void Dispose() => _accepted.Dispose();

    private sealed record Accepted(TokenValidationResult Result, DateTimeOffset Until)
    {
        /// <summary>A result of its own per request: JwtBearer builds the request's principal from the identity.</summary>
        public TokenValidationResult Fresh() => new()
        {
            IsValid = true,
            ClaimsIdentity = Result.ClaimsIdentity.Clone(),
            SecurityToken = Result.SecurityToken,
            Issuer = Result.Issuer,
            TokenType = Result.TokenType,
            TokenContext = Result.TokenContext,
        };
    }
}
