using Mesh.Grpc.Wire;

namespace Mesh.Grpc.Server;

/// <summary>
/// Server-wide gRPC settings, configured with <c>builder.Services.AddGrpc(o => …)</c>
/// (the same names and defaults as grpc-dotnet's GrpcServiceOptions).
/// </summary>
public sealed class GrpcServiceOptions
{
    /// <summary>Largest request message accepted (after decompression); null for no limit. Default 4 MB.</summary>
    public int? MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent; null (the default) for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// "gzip" or "deflate" to compress responses (only when the client's grpc-accept-encoding lists it);
    /// null or "identity" to send them plain. A message written with WriteFlags.NoCompress is always plain.
    /// </summary>
    public string? ResponseCompressionAlgorithm { get; set; }

    /// <summary>
    /// When true, the message of an unexpected exception is sent to the client in grpc-message.
    /// Off by default: exception text can leak internals. Turn on for development only.
    /// </summary>
    public bool? EnableDetailedErrors { get; set; }

    /// <summary>
    /// When true, calls to services that are not mapped are left to the rest of the app's routing
    /// instead of being answered with UNIMPLEMENTED. Unknown methods of mapped services are still UNIMPLEMENTED.
    /// </summary>
    public bool IgnoreUnknownServices { get; set; }

    /// <summary>Server interceptors applied to every call, outermost first.</summary>
    public InterceptorCollection Interceptors { get; } = new();
}
