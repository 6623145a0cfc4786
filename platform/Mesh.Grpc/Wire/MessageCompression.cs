using System.Buffers;
using System.IO.Compression;

namespace Mesh.Grpc.Wire;

/// <summary>The message encodings we speak: identity, gzip and deflate (zlib).</summary>
public static class MessageCompression
{
    public const string Identity = "identity";
    public const string Gzip = "gzip";
    public const string Deflate = "deflate";

    /// <summary>The value we send as grpc-accept-encoding.</summary>
    public const string AcceptEncodingValue = "identity,gzip,deflate";

    public static bool IsSupported(string? encoding) =>
        encoding is null || encoding == Identity || encoding == Gzip || encoding == Deflate;

    /// <summary>True when the encoding actually transforms bytes (not null/identity).</summary>
    public static bool IsCompressing(string? encoding) => encoding is Gzip or Deflate;

    public static byte[] Compress(ReadOnlySpan<byte> payload, string encoding)
    {
        using var output = new MemoryStream(payload.Length / 2 + 16);
        using (var stream = CreateCompressor(output, encoding))
            stream.Write(payload);
        return output.ToArray();
    }

    /// <summary>Decompresses, failing with RESOURCE_EXHAUSTED as soon as the output passes maxSize.</summary>
    public static byte[] Decompress(ReadOnlySequence<byte> payload, string encoding, int maxSize)
    {
        using var input = new MemoryStream(payload.ToArray(), writable: false);
        using var stream = CreateDecompressor(input, encoding);
        using var output = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > maxSize)
                    throw new RpcException(new Status(StatusCode.ResourceExhausted,
                        $"Received message exceeds the maximum configured message size ({maxSize} bytes) after decompression."));
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Failed to decompress message with encoding '{encoding}'.", ex));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return output.ToArray();
    }

    private static Stream CreateCompressor(Stream output, string encoding) => encoding switch
    {
        Gzip => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
        Deflate => new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true),
        _ => throw new ArgumentException($"Unsupported encoding '{encoding}'.", nameof(encoding)),
    };

    private static Stream CreateDecompressor(Stream input, string encoding) => encoding switch
    {
        Gzip => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true),
        Deflate => new ZLibStream(input, CompressionMode.Decompress, leaveOpen: true),
        _ => throw new RpcException(new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'.")),
    };
}
