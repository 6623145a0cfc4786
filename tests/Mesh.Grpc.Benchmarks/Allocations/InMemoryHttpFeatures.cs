using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Grpc.Benchmarks.Allocations;

/// <summary>
/// The HTTP features a gRPC call handler touches, backed by in-memory pipes and reusable header
/// dictionaries: the part of an HTTP/2 stream that Kestrel would provide (and pool) per request.
/// Everything here is created once and reset between calls, so a benchmark that drives the handler
/// through it measures the handler's allocations only.
/// </summary>
internal sealed class InMemoryHttpFeatures :
    IHttpResponseFeature, IHttpResponseBodyFeature, IRequestBodyPipeFeature, IHttpResponseTrailersFeature,
    IServiceProvidersFeature, IHttpRequestLifetimeFeature
{
    public Pipe RequestPipe { get; } = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    public Pipe ResponsePipe { get; } = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));

    // IHttpResponseFeature
    public int StatusCode { get; set; } = 200;
    public string? ReasonPhrase { get; set; }
    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();
    public Stream Body { get; set; } = Stream.Null;
    public bool HasStarted { get; private set; }
    public void OnStarting(Func<object, Task> callback, object state) { }
    public void OnCompleted(Func<object, Task> callback, object state) { }

    // IHttpResponseBodyFeature
    public Stream Stream => throw new NotSupportedException("The gRPC server writes through the PipeWriter.");
    public PipeWriter Writer => ResponsePipe.Writer;
    public void DisableBuffering() { }
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        HasStarted = true;
        return Task.CompletedTask;
    }
    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();
    public Task CompleteAsync() => Task.CompletedTask;

    // IRequestBodyPipeFeature
    public PipeReader Reader => RequestPipe.Reader;

    // IHttpResponseTrailersFeature
    public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();

    // IServiceProvidersFeature
    public IServiceProvider RequestServices { get; set; } = default!;

    // IHttpRequestLifetimeFeature
    public CancellationToken RequestAborted { get; set; }
    public void Abort() { }

    /// <summary>Back to a fresh stream: empty pipes and headers (their storage is kept, as Kestrel's is).</summary>
    public void Reset()
    {
        RequestPipe.Reader.Complete();
        RequestPipe.Writer.Complete();
        RequestPipe.Reset();
        ResponsePipe.Reader.Complete();
        ResponsePipe.Writer.Complete();
        ResponsePipe.Reset();
        Headers.Clear();
        Trailers.Clear();
        StatusCode = 200;
        HasStarted = false;
    }
}
