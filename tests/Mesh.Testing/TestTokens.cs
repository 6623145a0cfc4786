using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Testing;

/// <summary>
/// Mints ES256 access tokens the way the users service does (iss, aud, sub, roles, exp) with a key a fixture
/// configures as the service's trusted key (Mesh:Auth:Keys:0:Kid = KeyId, Mesh:Auth:Keys:0:Pem), so tests can act as any user, partner or admin.
/// </summary>
public sealed class TestTokens
{
    /// <summary>The kid in every token's header: configure the key under it (Mesh:Auth:Keys:0:Kid).</summary>
    public const string KeyId = "test";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>The clock tokens are issued by; set it to the service's test clock when the test moves that clock (tokens must not expire by it).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public string Mint(string subject, params string[] roles)
    {
        var header = new { alg = "ES256", typ = "JWT", kid = KeyId };
        var now = Clock.GetUtcNow().ToUnixTimeSeconds();
        var claims = new { iss = MeshTokens.DefaultIssuer, aud = MeshTokens.DefaultAudience, sub = subject, roles, iat = now, exp = now + 3600 };
        var input = $"{Encode(header)}.{Encode(claims)}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{input}.{Base64Url.Encode(signature)}";
    }

    public Metadata As(string subject, params string[] roles) => new() { { "authorization", $"Bearer {Mint(subject, roles)}" } };

    private static string Encode(object value) => Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
}
