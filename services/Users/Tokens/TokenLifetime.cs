using Microsoft.IdentityModel.Tokens;

namespace Mesh.Users.Tokens;

/// <summary>
/// exp and nbf checked by this service's clock (<see cref="TimeProvider"/>), the one it issues tokens by: IdentityModel
/// reads the system clock. The same rules as IdentityModel's own check (exp required, <see cref="TokenValidationParameters.ClockSkew"/>
/// either way) and the same exceptions, so callers are told why.
/// </summary>
public static class TokenLifetime
{
    public static LifetimeValidator Validator(TimeProvider time) => (notBefore, expires, _, parameters) =>
    {
        if (expires is null)
        {
            if (parameters.RequireExpirationTime) throw new SecurityTokenNoExpirationException("The token has no expiration time.");
        }
        else if (notBefore is not null && notBefore > expires)
        {
            throw new SecurityTokenInvalidLifetimeException("The token's nbf is after its exp.") { NotBefore = notBefore, Expires = expires };
        }
        var now = time.GetUtcNow().UtcDateTime;
        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew)
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        if (expires is { } exp && exp < now - parameters.ClockSkew)
            throw new SecurityTokenExpiredException("The token expired.") { Expires = exp };
        return true;
    };
}
