using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Users.Tests.Support;

/// <summary>Reads and forges compact JWS tokens for the tests (the attack table).</summary>
public static class Jwt
{
    public static byte[] Part(string token, int index) => Base64Url.Decode(token.Split('.')[index]);

    public static string Encode(object value) => Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(value));

    public static string SignEs256(ECDsa key, object header, object claims)
    {
        var input = $"{Encode(header)}.{Encode(claims)}";
        return $"{input}.{Base64Url.Encode(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))}";
    }

    public static string SignHs256(byte[] secret, object header, object claims)
    {
        var input = $"{Encode(header)}.{Encode(claims)}";
        return $"{input}.{Base64Url.Encode(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)))}";
    }
}
