using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Payment.Tests.Support;

/// <summary>
/// Access tokens as the users service would issue them (ES256, iss mesh-users, aud mesh), signed by a key the payment
/// service is configured to trust (Mesh:Auth:Keys:0) — the payment service validates them by the mesh's real rules.
/// </summary>
public sealed class TestTokens
{
    public const string KeyId = "payment-tests";
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    public string Issue(Guid userId, params string[] roles)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = Encode(new { alg = "ES256", typ = "JWT", kid = KeyId });
        var claims = Encode(new Dictionary<string, object>
        {
            ["iss"] = MeshTokens.DefaultIssuer, ["aud"] = MeshTokens.DefaultAudience, ["sub"] = userId.ToString(),
            ["roles"] = roles.Length == 0 ? new[] { "customer" } : roles, ["sid"] = Guid.NewGuid().ToString(),
            ["exp"] = now + 10L * 365 * 24 * 3600, // outlives the test clock's jumps (subscriptions move it by months)
        });
        var input = $"{header}.{claims}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{input}.{Base64Url.Encode(signature)}";
    }

    private static string Encode(object value) => Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
}
