using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Grpc.Benchmarks.Allocations;

/// <summary>
/// One reusable HTTP/2-like request to a gRPC method, served in memory: a DefaultHttpContext over
/// <see cref="InMemoryHttpFeatures"/>, created once and reset after every call (as Kestrel reuses its
/// per-stream objects), so invoking a call handler through it allocates only what the handler does.
/// </summary>
internal sealed class InMemoryGrpcCall
{
    private readonly InMemoryHttpFeatures _features;
    private readonly DefaultHttpContext _context;

    public InMemoryGrpcCall(string path, IServiceProvider services, params (string Name, string Value)[] extraHeaders)
    {
        _features = new InMemoryHttpFeatures { RequestServices = services };
        var headers = new HeaderDictionary { ["content-type"] = "application/grpc", ["te"] = "trailers" };
        foreach (var (name, value) in extraHeaders) headers[name] = value;

        var collection = new FeatureCollection();
        collection.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Protocol = "HTTP/2", Method = "POST", Scheme = "http", Path = path, Headers = headers,
        });
        collection.Set<IHttpResponseFeature>(_features);
        collection.Set<IHttpResponseBodyFeature>(_features);
        collection.Set<IRequestBodyPipeFeature>(_features);
        collection.Set<IHttpResponseTrailersFeature>(_features);
        collection.Set<IServiceProvidersFeature>(_features);
        collection.Set<IHttpRequestLifetimeFeature>(_features);
        _context = new DefaultHttpContext(collection);
    }

    /// <summary>
    /// Sends one request frame through the handler; returns the response body bytes (passed to inspect,
    /// when given) after checking grpc-status 0. Consumes the response, as Kestrel's connection would.
    /// </summary>
    public long Invoke(RequestDelegate handler, byte[] requestFrame, Action<ReadOnlySequence<byte>>? inspect = null)
    {
        var requestWriter = _features.RequestPipe.Writer;
        requestWriter.Write(requestFrame);
        requestWriter.Complete();

        var pending = handler(_context);
        if (!pending.IsCompletedSuccessfully) pending.GetAwaiter().GetResult();
        if (_features.Trailers.GrpcStatus != "0")
            throw new InvalidOperationException($"grpc-status {_features.Trailers.GrpcStatus}: {_features.Trailers.GrpcMessage}");

        // Kestrel flushes the unary response together with the trailers; do the same, then consume it.
        _features.ResponsePipe.Writer.FlushAsync().GetAwaiter().GetResult();
        if (!_features.ResponsePipe.Reader.TryRead(out var result)) throw new InvalidOperationException("no response message");
        var length = result.Buffer.Length;
        inspect?.Invoke(result.Buffer);
        _features.ResponsePipe.Reader.AdvanceTo(result.Buffer.End);
        _features.Reset();
        return length;
    }

    /// <summary>The harness alone: write the request and read it back, no handler (should allocate nothing).</summary>
    public long RoundTripWithoutHandler(byte[] requestFrame)
    {
        var writer = _features.RequestPipe.Writer;
        writer.Write(requestFrame);
        writer.Complete();
        var reader = _features.RequestPipe.Reader;
        reader.TryRead(out var result);
        var length = result.Buffer.Length;
        reader.AdvanceTo(result.Buffer.End);
        _features.Reset();
        return length;
    }
}
