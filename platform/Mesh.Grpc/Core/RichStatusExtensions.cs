using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Grpc.Wire;
using RpcStatus = Google.Rpc.Status;

namespace Mesh.Grpc;

/// <summary>
/// The richer error model (google.rpc.Status carried in the grpc-status-details-bin trailer), as
/// grpc's StatusProto package offers it: a server throws <c>status.ToRpcException()</c>, a client
/// reads <c>ex.GetRpcStatus()</c> and then details such as BadRequest with its field violations.
/// </summary>
public static class RichStatusExtensions
{
    /// <summary>
    /// An RpcException whose code and message come from the google.rpc.Status, with the whole status
    /// serialized into the grpc-status-details-bin trailer.
    /// </summary>
    public static RpcException ToRpcException(this RpcStatus status) => status.ToRpcException(Metadata.Empty);

    /// <summary>As <see cref="ToRpcException(RpcStatus)"/>, keeping the given trailers too.</summary>
    public static RpcException ToRpcException(this RpcStatus status, Metadata trailers)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(trailers);
        var all = new Metadata();
        foreach (var entry in trailers)
            if (entry.Key != GrpcProtocol.StatusDetailsTrailer) all.Add(entry);
        all.Add(GrpcProtocol.StatusDetailsTrailer, status.ToByteArray());
        return new RpcException(new Status((StatusCode)status.Code, status.Message), all);
    }

    /// <summary>The google.rpc.Status in the exception's trailers, or null when there is none (or it is unreadable).</summary>
    public static RpcStatus? GetRpcStatus(this RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var bytes = exception.Trailers.GetValueBytes(GrpcProtocol.StatusDetailsTrailer);
        if (bytes is null) return null;
        try
        {
            return RpcStatus.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    /// <summary>The first detail of type T (e.g. Google.Rpc.BadRequest), or null.</summary>
    public static T? GetDetail<T>(this RpcStatus status) where T : class, IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(status);
        var descriptor = new T().Descriptor;
        foreach (var any in status.Details)
            if (any.Is(descriptor)) return any.Unpack<T>();
        return null;
    }

    /// <summary>Adds a detail message (packed into google.protobuf.Any) and returns the status for chaining.</summary>
    public static RpcStatus WithDetail(this RpcStatus status, IMessage detail)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.Details.Add(Any.Pack(detail));
        return status;
    }
}
