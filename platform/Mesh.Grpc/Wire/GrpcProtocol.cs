namespace Mesh.Grpc.Wire;

/// <summary>Names and constants of gRPC over HTTP/2 (PROTOCOL-HTTP2.md).</summary>
public static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string ContentTypeProto = "application/grpc+proto";
    public const string StatusTrailer = "grpc-status";
    public const string MessageTrailer = "grpc-message";
    public const string StatusDetailsTrailer = "grpc-status-details-bin";
    public const string TimeoutHeader = "grpc-timeout";
    public const string MessageEncodingHeader = "grpc-encoding";
    public const string MessageAcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string UserAgent = "grpc-dotnet-mesh/1.0";

    /// <summary>5 bytes before every message: compressed flag (1) + big-endian length (4).</summary>
    public const int HeaderSize = 5;

    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>True for "application/grpc", "application/grpc+proto", "application/grpc;…" (not +json etc.).</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return false;
        if (!contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)) return false;
        if (contentType.Length == ContentType.Length) return true;
        var next = contentType[ContentType.Length];
        if (next == ';') return true;
        if (next != '+') return false;
        var rest = contentType.AsSpan(ContentType.Length + 1);
        var semi = rest.IndexOf(';');
        var subtype = semi < 0 ? rest : rest[..semi];
        return subtype.Equals("proto", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reserved header names that are never surfaced as custom metadata.</summary>
    public static bool IsReservedHeader(string name) =>
        name.StartsWith(':') ||
        name.Equals("content-type", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("te", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("host", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("user-agent", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("content-length", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("accept-encoding", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("connection", StringComparison.OrdinalIgnoreCase) ||
        (name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) && !name.Equals(StatusDetailsTrailer, StringComparison.OrdinalIgnoreCase));
}
