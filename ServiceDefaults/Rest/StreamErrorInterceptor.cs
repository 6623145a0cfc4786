using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Tells <see cref="StreamErrorLine"/> that a server-streaming method called over REST has failed, before the
/// transcoder writes the Status. The exception filter only marks the call and never catches: the exception travels
/// on unchanged. A gRPC call has no capture and passes untouched.
/// </summary>
public sealed class StreamErrorInterceptor : Interceptor
{
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var capture = context.GetHttpContext().Features.Get<StreamErrorLine.Capture>();
        if (capture is null)
        {
            await continuation(request, responseStream, context);
            return;
        }
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception) when (MarkFailed(capture))
        {
            throw; // not reached: the filter returns false
        }
    }

    private static bool MarkFailed(StreamErrorLine.Capture capture)
    {
        capture.MethodFailed();
        return false;
    }
}
