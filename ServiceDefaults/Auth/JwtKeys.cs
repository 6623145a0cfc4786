using System.Security.Cryptography;
using System.Net.Http;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>A public key that may have signed a token, with its key id (JWK "kid"; null matches any token).</summary>
public sealed record JwtSigningKey(string? KeyId, ECDsa Key);

/// <summary>
/// Where a validator gets token-signing keys. Pluggable: configured keys, the users service's JWKS URL, or
/// anything registered in its place (the users service reads its own key ring).
/// </summary>
public interface IJwtKeySource
{
    /// <summary>The candidate keys for a token; <paramref name="keyId"/> is the token's "kid" header, if any.</summary>
    ValueTask<IReadOnlyList<JwtSigningKey>> GetKeysAsync(string? keyId, CancellationToken cancellationToken);
}

/// <summary>Reads EC P-256 public keys from JWK JSON ({"kty":"EC","crv":"P-256","x":…,"y":…,"kid":…}) or PEM.</summary>
public static class JwkReader
{
    public static JwtSigningKey FromJwk(JsonElement jwk)
    {
        if (jwk.GetProperty("kty").GetString() != "EC" || jwk.GetProperty("crv").GetString() != "P-256")
            throw new FormatException("Only EC P-256 keys (ES256) are supported.");
        var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.Decode(jwk.GetProperty("x").GetString()!), Y = Base64Url.Decode(jwk.GetProperty("y").GetString()!) },
        });
        return new JwtSigningKey(jwk.TryGetProperty("kid", out var kid) ? kid.GetString() : null, key);
    }

    public static JwtSigningKey FromPem(string? keyId, string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return new JwtSigningKey(keyId, key);
    }

    public static IReadOnlyList<JwtSigningKey> FromJwks(string json)
    {
        using var document = JsonDocument.Parse(json);
        var keys = new List<JwtSigningKey>();
        foreach (var jwk in document.RootElement.GetProperty("keys").EnumerateArray())
        {
            // Skip keys we cannot use (RSA, other curves) rather than failing the whole set.
            if (jwk.TryGetProperty("kty", out var kty) && kty.GetString() == "EC" && jwk.TryGetProperty("crv", out var crv) && crv.GetString() == "P-256")
                keys.Add(FromJwk(jwk));
        }
        return keys;
    }
}

/// <summary>Keys from configuration: <c>…:Keys:N:Kid</c> with <c>:Pem</c> (a public key) or <c>:Jwk</c> (JSON).</summary>
public sealed class ConfiguredJwtKeys : IJwtKeySource
{
    private readonly IReadOnlyList<JwtSigningKey> _keys;

    public ConfiguredJwtKeys(IEnumerable<JwtSigningKey> keys) => _keys = keys.ToList();

    public static ConfiguredJwtKeys From(IConfiguration section)
    {
        var keys = new List<JwtSigningKey>();
        foreach (var entry in section.GetChildren())
        {
            var kid = entry["Kid"];
            if (entry["Pem"] is { Length: > 0 } pem) keys.Add(JwkReader.FromPem(kid, pem));
            else if (entry["Jwk"] is { Length: > 0 } jwk)
            {
                using var document = JsonDocument.Parse(jwk);
                var key = JwkReader.FromJwk(document.RootElement);
                keys.Add(kid is null ? key : key with { KeyId = kid });
            }
        }
        return new ConfiguredJwtKeys(keys);
    }

    public ValueTask<IReadOnlyList<JwtSigningKey>> GetKeysAsync(string? keyId, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<JwtSigningKey>>(_keys.Where(k => keyId is null || k.KeyId is null || k.KeyId == keyId).ToList());
}

/// <summary>
/// Keys from a JWKS URL, cached; an unknown "kid" (a rotated key) refreshes the set, at most once per
/// <see cref="MinRefreshInterval"/> so a flood of forged kids cannot hammer the issuer.
/// </summary>
public sealed class JwksJwtKeys(HttpClient http, Uri url, TimeProvider time) : IJwtKeySource
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private IReadOnlyList<JwtSigningKey> _keys = [];
    private DateTimeOffset _fetched = DateTimeOffset.MinValue;

    public async ValueTask<IReadOnlyList<JwtSigningKey>> GetKeysAsync(string? keyId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stale = now - _fetched > CacheLifetime;
        var unknown = keyId is not null && _keys.All(k => k.KeyId != keyId);
        if (stale || (unknown && now - _fetched > MinRefreshInterval))
            await RefreshAsync(_fetched, cancellationToken);
        return _keys.Where(k => keyId is null || k.KeyId is null || k.KeyId == keyId).ToList();
    }

    private async Task RefreshAsync(DateTimeOffset seen, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            // Callers that queued behind a refresh use its result: one fetch per stale moment, not one per caller.
            if (_fetched != seen) return;
            var json = await http.GetStringAsync(url, cancellationToken);
            _keys = JwkReader.FromJwks(json);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or FormatException or KeyNotFoundException or TaskCanceledException)
        {
            // Keep the old keys: an issuer outage must not log everybody out at once.
        }
        finally
        {
            if (_fetched == seen) _fetched = time.GetUtcNow();
            _refresh.Release();
        }
    }
}

/// <summary>Several key sources as one (configured keys plus a JWKS URL).</summary>
public sealed class CompositeJwtKeys(IReadOnlyList<IJwtKeySource> sources) : IJwtKeySource
{
    public async ValueTask<IReadOnlyList<JwtSigningKey>> GetKeysAsync(string? keyId, CancellationToken cancellationToken)
    {
        var all = new List<JwtSigningKey>();
        foreach (var source in sources) all.AddRange(await source.GetKeysAsync(keyId, cancellationToken));
        return all;
    }
}

public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Decode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
        return Convert.FromBase64String(s);
    }
}
