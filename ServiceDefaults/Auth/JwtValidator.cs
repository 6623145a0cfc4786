using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>
/// What a valid token must say. The gateway reads them from <c>Gateway:Auth</c>, every service from <c>Mesh:Auth</c>
/// (see <see cref="TokenValidationExtensions"/>).
/// </summary>
public class JwtValidationOptions
{
    /// <summary>Required "iss" (null: not checked).</summary>
    public string? Issuer { get; set; }

    /// <summary>Required "aud" (null: not checked).</summary>
    public string? Audience { get; set; }

    /// <summary>A JWKS URL to fetch signing keys from (besides configured <c>Keys</c>).</summary>
    public string? JwksUrl { get; set; }

    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>Who a validated token says the caller is: its subject and every claim (roles, session id, …).</summary>
public sealed record AuthenticatedUser(string Subject, JsonElement Claims)
{
    /// <summary>The "roles" claim (an array of strings; a single string is accepted too).</summary>
    public IReadOnlyList<string> Roles => Claims.TryGetProperty("roles", out var roles) ? roles.ValueKind switch
    {
        JsonValueKind.Array => roles.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!).ToList(),
        JsonValueKind.String => [roles.GetString()!],
        _ => [],
    } : [];

    public bool IsInRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>A string claim, or null.</summary>
    public string? Claim(string name) => Claims.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// Validates compact JWS bearer tokens signed with ES256 (ECDSA P-256 + SHA-256) with .NET's own ECDsa: the
/// algorithm is fixed (never "none", never taken on the token's word), then signature, exp, nbf, iss and aud.
/// Failures are messages for WWW-Authenticate's error_description, never exceptions. One implementation for the
/// edge and every service.
/// </summary>
public sealed class JwtValidator(IJwtKeySource keys, JwtValidationOptions options, TimeProvider time)
{
    public async Task<(AuthenticatedUser? User, string? Error)> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return (null, "the token is not a signed JWT");
        JsonElement header, payload;
        byte[] signature;
        try
        {
            header = JsonDocument.Parse(Base64Url.Decode(parts[0])).RootElement;
            payload = JsonDocument.Parse(Base64Url.Decode(parts[1])).RootElement;
            signature = Base64Url.Decode(parts[2]);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return (null, "the token is malformed");
        }
        if (header.ValueKind != JsonValueKind.Object || payload.ValueKind != JsonValueKind.Object)
            return (null, "the token is malformed");
        if (!header.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String || alg.GetString() != "ES256")
            return (null, "the token must be signed with ES256");
        var kid = header.TryGetProperty("kid", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;

        var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        var candidates = await keys.GetKeysAsync(kid, cancellationToken);
        if (!candidates.Any(c => Verify(c.Key, signed, signature))) return (null, "the token signature is invalid");

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var skew = (long)options.ClockSkew.TotalSeconds;
        if (!TryNumber(payload, "exp", out var exp)) return (null, "the token has no expiry");
        if (now > exp + skew) return (null, "the token expired");
        if (TryNumber(payload, "nbf", out var nbf) && now + skew < nbf) return (null, "the token is not valid yet");
        if (options.Issuer is { } issuer && (!payload.TryGetProperty("iss", out var iss) || iss.ValueKind != JsonValueKind.String || iss.GetString() != issuer))
            return (null, "the token has the wrong issuer");
        if (options.Audience is { } audience && !HasAudience(payload, audience))
            return (null, "the token is not for this audience");
        if (!payload.TryGetProperty("sub", out var sub) || sub.ValueKind != JsonValueKind.String || sub.GetString() is not { Length: > 0 } subject)
            return (null, "the token has no subject");
        return (new AuthenticatedUser(subject, payload.Clone()), null);
    }

    private static bool Verify(ECDsa key, byte[] data, byte[] signature)
    {
        try { return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation); }
        catch (CryptographicException) { return false; }
    }

    private static bool TryNumber(JsonElement payload, string name, out long value)
    {
        value = 0;
        return payload.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out value);
    }

    private static bool HasAudience(JsonElement payload, string audience) =>
        payload.TryGetProperty("aud", out var aud) && aud.ValueKind switch
        {
            JsonValueKind.String => aud.GetString() == audience,
            JsonValueKind.Array => aud.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && a.GetString() == audience),
            _ => false,
        };
}
