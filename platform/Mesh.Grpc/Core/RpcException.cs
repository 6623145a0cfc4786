namespace Mesh.Grpc;

/// <summary>
/// Thrown by a client when a call ends with a non-OK status, and by server code to end a call
/// with a status of its choice (trailers are sent with it).
/// </summary>
public class RpcException : Exception
{
    public RpcException(Status status) : this(status, Metadata.Empty, status.Detail) { }

    public RpcException(Status status, string message) : this(status, Metadata.Empty, message) { }

    public RpcException(Status status, Metadata trailers) : this(status, trailers, status.Detail) { }

    public RpcException(Status status, Metadata trailers, string message)
        : base(string.IsNullOrEmpty(message) ? $"Status(StatusCode=\"{status.StatusCode}\", Detail=\"{status.Detail}\")" : message,
               status.DebugException)
    {
        Status = status;
        Trailers = trailers ?? Metadata.Empty;
    }

    public Status Status { get; }
    public StatusCode StatusCode => Status.StatusCode;
    public Metadata Trailers { get; }
}
