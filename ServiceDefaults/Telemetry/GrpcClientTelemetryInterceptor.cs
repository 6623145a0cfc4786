using System.Diagnostics;
using Mesh.Grpc.Interceptors;

namespace Mesh.ServiceDefaults.Telemetry;

/// <summary>
/// One client span per call ("package.Service/Method", kind Client, rpc.* attributes) whose context travels to the
/// server as traceparent/tracestate metadata, plus the rpc.client.duration histogram. It runs outside resilience,
/// so a retried call is one span (the HttpClient spans below it show each attempt). Streaming calls carry the
/// trace context but get no span of their own: their end is up to the caller.
/// </summary>
public sealed class GrpcClientTelemetryInterceptor : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var (service, method) = MeshTelemetry.SplitMethod(context.Method.FullName);
        var previous = Activity.Current;
        var activity = MeshTelemetry.GrpcSource.StartActivity($"{service}/{method}", ActivityKind.Client);
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (activity is not null)
            {
                activity.SetTag("rpc.system", "grpc");
                activity.SetTag("rpc.service", service);
                activity.SetTag("rpc.method", method);
            }
            var call = continuation(request, WithTraceContext(context, activity));
            return new AsyncUnaryCall<TResponse>(ObserveAsync(call.ResponseAsync, activity, service, method, started), call.State);
        }
        finally
        {
            // StartActivity made the span current for the code that started the call; it must not stay current after.
            Activity.Current = previous;
        }
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithTraceContext(context, Activity.Current));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithTraceContext(context, Activity.Current));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithTraceContext(context, Activity.Current));

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithTraceContext(context, Activity.Current));

    private static ClientInterceptorContext<TRequest, TResponse> WithTraceContext<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, Activity? activity) where TRequest : class where TResponse : class =>
        activity is null
            ? context
            : new(context.Method, context.Host, context.Options.WithHeaders(GrpcMetadataPropagation.Inject(activity, context.Options.Headers)));

    private static async Task<TResponse> ObserveAsync<TResponse>(Task<TResponse> response, Activity? activity, string service, string method, long started)
    {
        var status = StatusCode.OK;
        try
        {
            return await response.ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            activity?.SetStatus(ActivityStatusCode.Error, ex.Status.Detail);
            throw;
        }
        finally
        {
            activity?.SetTag("rpc.grpc.status_code", (int)status);
            activity?.Dispose();
            MeshTelemetry.ClientDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, MeshTelemetry.RpcTags(service, method, status));
        }
    }
}
