using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Users.Tokens;

/// <summary>A signed access token and when it expires.</summary>
public sealed record AccessToken(string Token, DateTimeOffset ExpiresAt);

/// <summary>
/// Issues access tokens: compact JWS, ES256, header {alg, typ, kid}, claims iss, aud, sub (user id), roles, sid (the
/// session, so sign-out can end it), iat, nbf, exp (≤ 15 minutes) and jti. Verification is JwtBearer's (AddTokenValidation; here with KeyRingConfigurationManager).
/// </summary>
public sealed class AccessTokens(SigningKeyRing keys, TokenOptions options, TimeProvider time)
{
    public async Task<AccessToken> IssueAsync(Guid userId, IReadOnlyList<string> roles, string sessionId, CancellationToken cancellationToken)
    {
        var key = await keys.GetActiveAsync(cancellationToken);
        var now = time.GetUtcNow();
        var expires = now + options.EffectiveAccessTokenLifetime;
        var header = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["alg"] = "ES256", ["typ"] = "JWT", ["kid"] = key.Kid });
        var claims = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = options.Issuer,
            ["aud"] = options.Audience,
            ["sub"] = userId.ToString(),
            ["roles"] = roles,
            ["sid"] = sessionId,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["jti"] = Guid.CreateVersion7().ToString(),
        });
        var signingInput = $"{Base64Url.Encode(header)}.{Base64Url.Encode(claims)}";
        var signature = key.Key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new AccessToken($"{signingInput}.{Base64Url.Encode(signature)}", DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }
}
