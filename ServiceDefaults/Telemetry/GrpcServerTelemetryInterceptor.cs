using System.Diagnostics;
using Mesh.Grpc.Interceptors;

namespace Mesh.ServiceDefaults.Telemetry;

/// <summary>
/// One server span per call served (kind Server, rpc.* attributes, rpc.grpc.status_code) continuing the caller's
/// trace from the traceparent metadata, plus the rpc.server.duration histogram. When ASP.NET Core's own request
/// span already continues that trace, ours nests under it; otherwise it is parented on the metadata directly.
/// Per the conventions a server span is an error only for statuses that mean the server failed.
/// </summary>
public sealed class GrpcServerTelemetryInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation) =>
        ObserveAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        ObserveAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        ObserveAsync(context, async () => { await continuation(request, responseStream, context).ConfigureAwait(false); return true; });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        ObserveAsync(context, async () => { await continuation(requestStream, responseStream, context).ConfigureAwait(false); return true; });

    private static async Task<T> ObserveAsync<T>(ServerCallContext context, Func<Task<T>> handler)
    {
        var (service, method) = MeshTelemetry.SplitMethod(context.Method);
        var caller = GrpcMetadataPropagation.Extract(context.RequestHeaders).ActivityContext;
        var current = Activity.Current;
        var parent = current is not null && (caller == default || current.TraceId == caller.TraceId) ? current.Context : caller;
        using var activity = MeshTelemetry.GrpcSource.StartActivity($"{service}/{method}", ActivityKind.Server, parent);
        if (activity is not null)
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", service);
            activity.SetTag("rpc.method", method);
        }
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            var result = await handler().ConfigureAwait(false);
            status = context.Status.StatusCode;
            return result;
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            status = StatusCode.Cancelled;
            throw;
        }
        catch (Exception ex)
        {
            status = StatusCode.Internal; // what the server turns an unhandled exception into
            activity?.AddException(ex);
            throw;
        }
        finally
        {
            if (activity is not null)
            {
                activity.SetTag("rpc.grpc.status_code", (int)status);
                if (IsServerFault(status)) activity.SetStatus(ActivityStatusCode.Error);
            }
            MeshTelemetry.ServerDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, MeshTelemetry.RpcTags(service, method, status));
        }
    }

    private static bool IsServerFault(StatusCode status) => status is StatusCode.Unknown or StatusCode.DeadlineExceeded
        or StatusCode.Unimplemented or StatusCode.Internal or StatusCode.Unavailable or StatusCode.DataLoss;
}
