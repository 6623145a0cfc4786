using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Mesh.ServiceDefaults.Errors;

/// <summary>Building a google.rpc.Status with details; Grpc.StatusProto turns it into an RpcException
/// (<c>status.ToRpcException()</c>) and reads it back (<c>e.GetRpcStatus()?.GetDetail&lt;BadRequest&gt;()</c>).</summary>
public static class StatusDetails
{
    /// <summary>Adds a detail message (packed into google.protobuf.Any) and returns the status for chaining.</summary>
    public static Google.Rpc.Status WithDetail(this Google.Rpc.Status status, IMessage detail)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.Details.Add(Any.Pack(detail));
        return status;
    }
}
