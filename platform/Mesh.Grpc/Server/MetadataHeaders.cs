using Mesh.Grpc.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Mesh.Grpc.Server;

/// <summary>
/// Converts between HTTP/2 header fields and <see cref="Metadata"/>: "-bin" values are base64
/// (decoded padded or not, emitted unpadded as the spec recommends); duplicate binary headers may
/// arrive joined with ',' and are split before decoding (PROTOCOL-HTTP2.md, Custom-Metadata).
/// </summary>
internal static class MetadataHeaders
{
    /// <summary>The custom metadata of a request. Entries the spec says not to fail on but we cannot represent are skipped.</summary>
    public static Metadata FromRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers)
        {
            var key = header.Key;
            if (GrpcProtocol.IsReservedHeader(key)) continue;
            var binary = Metadata.Entry.IsBinaryKey(key);
            foreach (var value in header.Value)
            {
                if (value is null) continue;
                if (binary) AddBinary(metadata, key, value);
                else TryAdd(metadata, key, value);
            }
        }
        return metadata;
    }

    /// <summary>Adds metadata entries as header fields (response headers, trailers or a trailers-only response).</summary>
    public static void WriteTo(Metadata metadata, IHeaderDictionary headers)
    {
        for (var i = 0; i < metadata.Count; i++)
        {
            var entry = metadata[i];
            var value = entry.IsBinary ? EncodeBinary(entry.ValueBytes) : entry.Value;
            headers.Append(entry.Key, value);
        }
    }

    public static string EncodeBinary(byte[] value) => Convert.ToBase64String(value).TrimEnd('=');

    /// <summary>Decodes base64 with or without '=' padding; false for anything else.</summary>
    public static bool TryDecodeBinary(ReadOnlySpan<char> value, out byte[] bytes)
    {
        value = value.Trim();
        var unpadded = value.TrimEnd('=');
        var padding = (4 - unpadded.Length % 4) % 4;
        if (padding == 3) { bytes = Array.Empty<byte>(); return false; }
        Span<char> padded = unpadded.Length + padding <= 512 ? stackalloc char[unpadded.Length + padding] : new char[unpadded.Length + padding];
        unpadded.CopyTo(padded);
        padded[unpadded.Length..].Fill('=');
        var buffer = new byte[(padded.Length / 4) * 3];
        if (!Convert.TryFromBase64Chars(padded, buffer, out var written)) { bytes = Array.Empty<byte>(); return false; }
        bytes = written == buffer.Length ? buffer : buffer.AsSpan(0, written).ToArray();
        return true;
    }

    private static void AddBinary(Metadata metadata, string key, string value)
    {
        foreach (var range in value.AsSpan().Split(','))
        {
            if (TryDecodeBinary(value.AsSpan()[range], out var bytes))
                metadata.Add(key, bytes);
        }
    }

    private static void TryAdd(Metadata metadata, string key, string value)
    {
        try
        {
            metadata.Add(key, value);
        }
        catch (ArgumentException)
        {
            // Valid HTTP but not a valid gRPC ASCII value: the spec allows dropping it, never failing the call.
        }
    }

    /// <summary>Cached decimal strings of the status codes, so writing grpc-status allocates nothing.</summary>
    public static StringValues StatusCodeValue(StatusCode code)
    {
        var index = (int)code;
        return (uint)index < (uint)StatusCodeStrings.Length ? StatusCodeStrings[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static readonly string[] StatusCodeStrings =
        Enumerable.Range(0, 17).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
