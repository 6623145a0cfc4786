namespace Mesh.ServiceDefaults.Auth;

/// <summary>Unpadded base64url (RFC 7515 §2), the encoding of every part of a JWT and of JWK coordinates.</summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <exception cref="FormatException">The text is not base64url.</exception>
    public static byte[] Decode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
