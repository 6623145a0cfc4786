using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Benchmarks.Booking;

/// <summary>ES256 access tokens as the users service issues them, with a key booking and payment are told to trust.</summary>
public sealed class BenchTokens
{
    /// <summary>The kid in every token's header: the services trust the key under it (Mesh:Auth:Keys:0:Kid).</summary>
    public const string KeyId = "bench";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>A bearer token for <paramref name="subject"/> with <paramref name="role"/> (customer unless said), valid for a day.</summary>
    public string Mint(string subject, string role = "customer")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var input = $"{Encode(new { alg = "ES256", typ = "JWT", kid = KeyId })}.{Encode(new { iss = MeshTokens.DefaultIssuer, aud = MeshTokens.DefaultAudience, sub = subject, roles = new[] { role }, iat = now, exp = now + 86_400 })}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{input}.{Base64Url.Encode(signature)}";
    }

    private static string Encode(object value) => Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
}
