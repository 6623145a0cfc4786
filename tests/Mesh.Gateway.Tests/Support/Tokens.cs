using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mesh.Gateway.Tests.Support;

/// <summary>An ES256 key pair the tests own, and tokens signed with it (the gateway gets the public half).</summary>
public sealed class Tokens
{
    public const string Issuer = "https://users.mesh.test";
    public const string Audience = "mesh";

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public string KeyId { get; } = "test-key-1";
    public string PublicPem => Key.ExportSubjectPublicKeyInfoPem();

    public string Issue(string subject, TimeSpan? lifetime = null, string? issuer = Issuer, string? audience = Audience, ECDsa? signWith = null, string alg = "ES256")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = JsonSerializer.Serialize(new { alg, typ = "JWT", kid = KeyId });
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["iat"] = now, ["exp"] = now + (long)(lifetime ?? TimeSpan.FromMinutes(5)).TotalSeconds };
        if (issuer is not null) claims["iss"] = issuer;
        if (audience is not null) claims["aud"] = audience;
        var signingInput = $"{B64(Encoding.UTF8.GetBytes(header))}.{B64(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        var signature = (signWith ?? Key).SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{signingInput}.{B64(signature)}";
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
