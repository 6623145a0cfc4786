using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>
/// A token JwtBearer's handler accepted, as <see cref="ValidatedTokenCache"/> remembers it: a copy of the validated
/// identity, what the token says about itself (iss, aud, alg, exp), and until when it may be accepted again without
/// verification.
/// The remembered identity is never handed to a request: every request gets copies of its own (<see cref="NewPrincipal"/>,
/// <see cref="NewResult"/>, <see cref="NewProperties"/>), so whatever a handler does to its principal or ticket stays in
/// that request.
/// </summary>
public sealed class AcceptedToken
{
    private readonly ClaimsIdentity _identity;
    private readonly SecurityToken _securityToken;
    private readonly string _resultIssuer;
    private readonly string _tokenType;
    private readonly CallContext _tokenContext;
    private readonly string[] _audiences;
    private readonly AuthenticationProperties _properties;

    private AcceptedToken(string token, TokenValidationResult result, JsonWebToken jwt, DateTimeOffset expires, DateTimeOffset rememberedUntil)
    {
        Token = token;
        // A copy of its own: the result's identity goes on to the request that brought the token, whose handler may change it.
        _identity = result.ClaimsIdentity.Clone();
        _securityToken = result.SecurityToken;
        _resultIssuer = result.Issuer;
        _tokenType = result.TokenType;
        _tokenContext = result.TokenContext;
        Issuer = jwt.Issuer;
        _audiences = [.. jwt.Audiences];
        Algorithm = jwt.Alg;
        Expires = expires;
        RememberedUntil = rememberedUntil;
        // What JwtBearer puts in the ticket of a token it validated (exp and nbf), formatted once instead of per request.
        _properties = new AuthenticationProperties { ExpiresUtc = expires, IssuedUtc = Utc(jwt.ValidFrom) };
    }

    /// <summary>The raw token (what the caller sent after "Bearer ").</summary>
    public string Token { get; }

    public string Issuer { get; }

    public IReadOnlyList<string> Audiences => _audiences;

    public string Algorithm { get; }

    /// <summary>The token's exp.</summary>
    public DateTimeOffset Expires { get; }

    /// <summary>When it was accepted plus <see cref="ValidatedTokenCache.MaxAge"/>: never trusted from memory after this.</summary>
    public DateTimeOffset RememberedUntil { get; }

    /// <summary>The acceptance to remember, or null when there is nothing to remember (no exp, or already past it at <paramref name="now"/>).</summary>
    internal static AcceptedToken? From(string token, TokenValidationResult result, DateTimeOffset now, TimeSpan clockSkew)
    {
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt || Utc(jwt.ValidTo) is not { } expires) return null;
        var entry = new AcceptedToken(token, result, jwt, expires, now + ValidatedTokenCache.MaxAge);
        return entry.AcceptableAt(now, clockSkew) ? entry : null;
    }

    /// <summary>
    /// Whether the token may be accepted again at <paramref name="now"/> under <paramref name="parameters"/> without
    /// verification: before its exp (plus the parameters' skew) and before <see cref="RememberedUntil"/>, and only if
    /// these parameters accept its iss, aud and alg by plain comparison. Parameters that decide any of those with a
    /// delegate of their own, or accept them only in a form this comparison does not see (an issuer from the
    /// discovery document, an audience with a trailing slash), get false, hence a full validation; so do parameters
    /// that detect replays, which must see every use of a token.
    /// </summary>
    public bool AcceptableAt(DateTimeOffset now, TokenValidationParameters parameters) =>
        AcceptableAt(now, parameters.ClockSkew)
        && parameters.TokenReplayValidator is null && !(parameters.ValidateTokenReplay && parameters.TokenReplayCache is not null)
        && (!parameters.ValidateIssuer || (parameters.IssuerValidator is null && parameters.IssuerValidatorUsingConfiguration is null && IssuerAllowed(parameters)))
        && (!parameters.ValidateAudience || (parameters.AudienceValidator is null && AudienceAllowed(parameters)))
        && parameters.AlgorithmValidator is null && AlgorithmAllowed(parameters);

    private bool AcceptableAt(DateTimeOffset now, TimeSpan clockSkew) => now < RememberedUntil && now < Expires + clockSkew;

    internal bool RememberedAt(DateTimeOffset now) => now < RememberedUntil && now < Expires;

    // Contains without a comparer: string's default equality is ordinal, and a collection answers it without an enumerator.
    private bool IssuerAllowed(TokenValidationParameters parameters) =>
        string.Equals(Issuer, parameters.ValidIssuer, StringComparison.Ordinal) || (parameters.ValidIssuers?.Contains(Issuer) ?? false);

    private bool AudienceAllowed(TokenValidationParameters parameters)
    {
        foreach (var audience in _audiences)
            if (string.Equals(audience, parameters.ValidAudience, StringComparison.Ordinal) || (parameters.ValidAudiences?.Contains(audience) ?? false))
                return true;
        return false;
    }

    private bool AlgorithmAllowed(TokenValidationParameters parameters) =>
        parameters.ValidAlgorithms is null || !parameters.ValidAlgorithms.Any() || parameters.ValidAlgorithms.Contains(Algorithm);

    /// <summary>A principal of the request's own: a copy of the validated identity and of each of its claims.</summary>
    public ClaimsPrincipal NewPrincipal() => new(_identity.Clone());

    /// <summary>A validation result of the request's own (what JwtBearer's token handler returns), with a copied identity.</summary>
    public TokenValidationResult NewResult() => new()
    {
        IsValid = true,
        ClaimsIdentity = _identity.Clone(),
        SecurityToken = _securityToken,
        Issuer = _resultIssuer,
        TokenType = _tokenType,
        TokenContext = _tokenContext,
    };

    /// <summary>The ticket's properties as JwtBearer sets them (ExpiresUtc = exp, IssuedUtc = nbf), a copy per request.</summary>
    public AuthenticationProperties NewProperties() => _properties.Clone();

    /// <summary>IdentityModel's "not present" (DateTime.MinValue) as null, as JwtBearer reads it.</summary>
    private static DateTimeOffset? Utc(DateTime value) =>
        value == DateTime.MinValue ? null : new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
