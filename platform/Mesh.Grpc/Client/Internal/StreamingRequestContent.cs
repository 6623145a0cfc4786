using System.Net;

namespace Mesh.Grpc.Client.Internal;

/// <summary>
/// The body of a client- or bidi-streaming call. HttpClient calls this when the HTTP/2 stream opens; it hands
/// the stream to the call (whose RequestStream writes into it) and keeps the body open until the caller
/// completes the request stream or the call ends.
/// </summary>
internal sealed class StreamingRequestContent<TRequest, TResponse> : HttpContent where TRequest : class where TResponse : class
{
    private readonly GrpcCall<TRequest, TResponse> _call;

    public StreamingRequestContent(GrpcCall<TRequest, TResponse> call) => _call = call;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (!_call.OnRequestStreamReady(stream)) return;
        await _call.RequestCompleted.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
