using System.Net.Http.Headers;
using Mesh.Grpc.Wire;

namespace Mesh.Grpc.Client.Internal;

/// <summary>
/// Custom metadata as HTTP/2 headers: "-bin" values travel as base64 (we emit it unpadded and accept
/// both, as PROTOCOL-HTTP2.md asks); reserved protocol headers never become metadata.
/// </summary>
internal static class MetadataHeaders
{
    public static void AddTo(HttpRequestHeaders headers, Metadata metadata)
    {
        foreach (var entry in metadata)
        {
            if (entry.Key == "user-agent")
            {
                // The caller's user-agent replaces ours instead of being sent twice.
                headers.Remove("user-agent");
                headers.TryAddWithoutValidation("user-agent", entry.Value);
                continue;
            }
            if (GrpcProtocol.IsReservedHeader(entry.Key)) continue;
            headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? EncodeBinary(entry.ValueBytes) : entry.Value);
        }
    }

    /// <summary>The custom metadata in response headers or trailers.</summary>
    public static Metadata FromHeaders(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            if (GrpcProtocol.IsReservedHeader(name)) continue;
            var key = name.ToLowerInvariant();
            var binary = Metadata.Entry.IsBinaryKey(key);
            foreach (var value in values)
            {
                try
                {
                    if (!binary)
                    {
                        metadata.Add(key, value);
                        continue;
                    }
                    // Several values of one binary key may arrive joined by commas.
                    foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                        metadata.Add(key, DecodeBinary(part));
                }
                catch (Exception ex) when (ex is ArgumentException or FormatException)
                {
                    // A header that is not valid metadata (odd characters, bad base64) is dropped rather than
                    // failing a call the server answered correctly.
                }
            }
        }
        return metadata.Freeze();
    }

    public static string EncodeBinary(byte[] value) => Convert.ToBase64String(value).TrimEnd('=');

    public static byte[] DecodeBinary(string value)
    {
        var padding = (4 - value.Length % 4) % 4;
        return Convert.FromBase64String(padding == 0 ? value : value + new string('=', padding));
    }
}
