using Mesh.Grpc.Client.Internal;

namespace Mesh.Grpc.Client;

/// <summary>The channel's CallInvoker: every call becomes one HTTP/2 request sent through the channel's HttpClient handler.</summary>
internal sealed class HttpClientCallInvoker : CallInvoker
{
    private readonly GrpcChannel _channel;

    public HttpClientCallInvoker(GrpcChannel channel) => _channel = channel;

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        using var call = AsyncUnaryCall(method, host, options, request);
        return call.ResponseAsync.GetAwaiter().GetResult();
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new GrpcCall<TRequest, TResponse>(_channel, method, options);
        call.StartWithRequest(request, expectsSingleResponse: true);
        return new AsyncUnaryCall<TResponse>(call.ReadSingleResponseAsync(), call.State);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new GrpcCall<TRequest, TResponse>(_channel, method, options);
        call.StartWithRequest(request, expectsSingleResponse: false);
        return new AsyncServerStreamingCall<TResponse>(new ResponseStreamReader<TRequest, TResponse>(call), call.State);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new GrpcCall<TRequest, TResponse>(_channel, method, options);
        call.StartStreaming(expectsSingleResponse: true);
        return new AsyncClientStreamingCall<TRequest, TResponse>(new ClientStreamWriter<TRequest, TResponse>(call), call.ReadSingleResponseAsync(), call.State);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new GrpcCall<TRequest, TResponse>(_channel, method, options);
        call.StartStreaming(expectsSingleResponse: false);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(new ClientStreamWriter<TRequest, TResponse>(call),
            new ResponseStreamReader<TRequest, TResponse>(call), call.State);
    }
}
