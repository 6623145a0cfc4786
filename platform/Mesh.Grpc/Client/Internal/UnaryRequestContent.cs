using System.IO.Pipelines;
using System.Net;
using Mesh.Grpc.Wire;

namespace Mesh.Grpc.Client.Internal;

/// <summary>The body of a unary or server-streaming call: one framed message, written straight into the request stream.</summary>
internal sealed class UnaryRequestContent<TRequest, TResponse> : HttpContent where TRequest : class where TResponse : class
{
    private static readonly StreamPipeWriterOptions WriterOptions = new(leaveOpen: true);
    private readonly GrpcCall<TRequest, TResponse> _call;
    private readonly TRequest _request;

    public UnaryRequestContent(GrpcCall<TRequest, TResponse> call, TRequest request)
    {
        _call = call;
        _request = request;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var writer = PipeWriter.Create(stream, WriterOptions);
        try
        {
            MessageFraming.WriteMessage(writer, _request, _call.Method.RequestMarshaller, _call.RequestEncoding, _call.MaxSendMessageSize);
        }
        catch (RpcException ex)
        {
            _call.SetRequestError(ex);
            await writer.CompleteAsync(ex).ConfigureAwait(false);
            throw;
        }
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        await writer.CompleteAsync().ConfigureAwait(false);
    }

    // Unknown up front: HTTP/2 needs no Content-Length, and computing it would mean serializing twice.
    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
