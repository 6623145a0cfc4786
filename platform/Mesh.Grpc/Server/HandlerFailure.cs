using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Server;

/// <summary>
/// How a handler's exception becomes the call's status — one policy for every wire protocol (gRPC and
/// Connect): an RpcException keeps its status and trailers; a client that went away is CANCELLED;
/// anything else is INTERNAL, logged with the trace id, with details only when configured.
/// </summary>
internal static class HandlerFailure
{
    public static Status ToStatus(Exception error, ServerCallContext context, ServerCallSettings settings, string method, HttpContext httpContext)
    {
        switch (error)
        {
            case RpcException rpc:
                // Trailers are created lazily: only touch them when there is something to add.
                if (rpc.Trailers.Count > 0)
                    foreach (var entry in rpc.Trailers) context.ResponseTrailers.Add(entry);
                settings.Logger.LogRpcFailed(method, rpc.Status);
                return rpc.Status;

            case OperationCanceledException or IOException when httpContext.RequestAborted.IsCancellationRequested:
                // Nobody is listening any more; the status only matters for logs.
                settings.Logger.LogClientCancelled(method);
                return new Status(StatusCode.Cancelled, "Call cancelled by the client.");

            default:
                var traceId = Activity.Current?.TraceId.ToString() ?? httpContext.TraceIdentifier;
                settings.Logger.LogHandlerFailed(method, traceId, error);
                var detail = settings.EnableDetailedErrors
                    ? $"Exception was thrown by handler. {error.GetType().Name}: {error.Message}"
                    : "Exception was thrown by handler.";
                return new Status(StatusCode.Internal, detail, error);
        }
    }
}
