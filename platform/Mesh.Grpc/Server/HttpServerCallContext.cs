using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Mesh.Grpc.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Grpc.Server;

/// <summary>
/// One gRPC call on one HTTP/2 stream: what the handler sees as its <see cref="ServerCallContext"/>,
/// and the single owner of the response — headers, messages, and the status that ends it.
/// Per call it allocates only itself; request metadata, trailers and the deadline machinery are
/// created when first needed.
/// </summary>
internal sealed class HttpServerCallContext : ServerCallContext
{
    private static readonly Status DeadlineExceededStatus = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    private readonly ServerCallSettings _settings;
    private readonly string _method;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private Status _status = Status.DefaultSuccess;
    private WriteOptions? _writeOptions;
    private ServerCallDeadline? _deadline;
    private string? _peer;
    private string? _responseCompressionOverride;
    private bool _hasResponseCompressionOverride;
    private string? _responseEncoding;
    private bool _responseHeadersPrepared;
    private bool _responseHeadersSent;

    // True once headers were flushed or message bytes went into the pipe: from then on the status must
    // go in trailers. (Kestrel's Response.HasStarted stays false until a flush, so it cannot tell.)
    private bool _responseStarted;

    // Set once the status has been written; after that nothing more goes into the response.
    private bool _completed;

    public HttpServerCallContext(HttpContext httpContext, string method, ServerCallSettings settings)
    {
        HttpContext = httpContext;
        _method = method;
        _settings = settings;
    }

    public HttpContext HttpContext { get; }

    /// <summary>The request's grpc-encoding (null when absent or identity).</summary>
    public string? RequestEncoding { get; private set; }

    public int MaxReceiveMessageSize => _settings.MaxReceiveMessageSize;

    /// <summary>
    /// The token for request reads: the deadline's when there is one. Without a deadline, Kestrel already
    /// fails reads when the client resets the stream, so no token (and no allocation) is needed.
    /// </summary>
    public CancellationToken ReadToken => _deadline?.DeadlineToken ?? default;

    /// <summary>Reads grpc-encoding and grpc-timeout. Throws RpcException(UNIMPLEMENTED) for an unknown encoding.</summary>
    public void Initialize()
    {
        var headers = HttpContext.Request.Headers;

        string? encoding = headers.GrpcEncoding;
        if (!string.IsNullOrEmpty(encoding) && encoding != MessageCompression.Identity)
        {
            if (!MessageCompression.IsSupported(encoding))
                throw new RpcException(new Status(StatusCode.Unimplemented,
                    $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {MessageCompression.AcceptEncodingValue}"));
            RequestEncoding = encoding;
        }

        string? timeout = headers.GrpcTimeout;
        if (timeout is not null)
        {
            if (GrpcTimeout.TryParse(timeout, out var span))
            {
                _deadline = new ServerCallDeadline(span, this);
                _deadline.Start();
            }
            else
                _settings.Logger.LogInvalidTimeout(timeout);
        }
    }

    /// <summary>Per-call response compression chosen by the handler (see ServerCallContextExtensions).</summary>
    public void SetResponseCompression(string? algorithm)
    {
        if (algorithm is not null && !MessageCompression.IsSupported(algorithm))
            throw new ArgumentException($"Unsupported compression algorithm '{algorithm}'.", nameof(algorithm));
        if (_responseHeadersPrepared)
            throw new InvalidOperationException("Response compression must be chosen before the response headers are sent.");
        _responseCompressionOverride = algorithm;
        _hasResponseCompressionOverride = true;
    }

    // ---- ServerCallContext ----

    protected override string MethodCore => _method;
    protected override string HostCore => HttpContext.Request.Host.Value ?? "";
    protected override string PeerCore => _peer ??= FormatPeer(HttpContext.Connection);
    protected override DateTime DeadlineCore => _deadline?.Deadline ?? DateTime.MaxValue;
    protected override Metadata RequestHeadersCore => _requestHeaders ??= MetadataHeaders.FromRequestHeaders(HttpContext.Request.Headers);
    protected override CancellationToken CancellationTokenCore => _deadline?.Token ?? HttpContext.RequestAborted;
    protected override Metadata ResponseTrailersCore => _responseTrailers ??= new Metadata();

    protected override Status StatusCore
    {
        get => _status;
        set => _status = value;
    }

    protected override WriteOptions? WriteOptionsCore
    {
        get => _writeOptions;
        set => _writeOptions = value;
    }

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        return _deadline is null ? SendResponseHeadersAsync(responseHeaders) : SendResponseHeadersGatedAsync(responseHeaders);
    }

    // ---- writing messages ----

    /// <summary>
    /// Frames one message into Kestrel's pipe (headers go first if not yet sent). Unary responses pass
    /// flush=false: Kestrel flushes when the call returns, together with the trailers.
    /// </summary>
    public ValueTask WriteMessageAsync<T>(T message, Marshaller<T> marshaller, WriteOptions? options, bool flush)
    {
        if (_deadline is null) return WriteMessageCore(message, marshaller, options, flush, default);
        return WriteMessageGatedAsync(message, marshaller, options, flush);
    }

    private async ValueTask WriteMessageGatedAsync<T>(T message, Marshaller<T> marshaller, WriteOptions? options, bool flush)
    {
        var deadline = _deadline!;
        await deadline.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await WriteMessageCore(message, marshaller, options, flush, deadline.DeadlineToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsExpired)
        {
            // The deadline fired while this write was flushing: the handler learns it as the status, like a write
            // that starts after the deadline (ThrowIfCannotWrite), not as a bare cancellation.
            throw new RpcException(DeadlineExceededStatus);
        }
        finally
        {
            deadline.Gate.Release();
        }
    }

    private ValueTask WriteMessageCore<T>(T message, Marshaller<T> marshaller, WriteOptions? options, bool flush, CancellationToken token)
    {
        ThrowIfCannotWrite();
        PrepareResponseHeaders();
        var writer = HttpContext.Response.BodyWriter;
        var flags = (options ?? _writeOptions)?.Flags ?? WriteFlags.None;
        var compression = (flags & WriteFlags.NoCompress) != 0 ? null : _responseEncoding;
        var wasStarted = _responseStarted;
        _responseStarted = true;
        try
        {
            MessageFraming.WriteMessage(writer, message, marshaller, compression, _settings.MaxSendMessageSize);
        }
        catch (RpcException) when (!wasStarted)
        {
            // The size check fails before anything is written, so an immediate error can still be trailers-only.
            _responseStarted = false;
            throw;
        }
        if (!flush) return default;

        var pending = writer.FlushAsync(token);
        return pending.IsCompletedSuccessfully ? default : AwaitFlushAsync(pending);
    }

    private static async ValueTask AwaitFlushAsync(ValueTask<FlushResult> pending) => await pending.ConfigureAwait(false);

    private async Task SendResponseHeadersGatedAsync(Metadata responseHeaders)
    {
        var deadline = _deadline!;
        await deadline.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await SendResponseHeadersAsync(responseHeaders).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsExpired)
        {
            throw new RpcException(DeadlineExceededStatus);
        }
        finally
        {
            deadline.Gate.Release();
        }
    }

    private Task SendResponseHeadersAsync(Metadata responseHeaders)
    {
        ThrowIfCannotWrite();
        if (_responseHeadersSent || HttpContext.Response.HasStarted)
            throw new InvalidOperationException("Response headers can only be sent once per call.");
        PrepareResponseHeaders();
        MetadataHeaders.WriteTo(responseHeaders, HttpContext.Response.Headers);
        _responseHeadersSent = true;
        _responseStarted = true;
        // Flushing an empty pipe makes Kestrel send the HEADERS frame now.
        return HttpContext.Response.BodyWriter.FlushAsync(ReadToken).AsTask();
    }

    private void ThrowIfCannotWrite()
    {
        if (_deadline?.IsExpired == true) throw new RpcException(DeadlineExceededStatus);
        if (_completed) throw new InvalidOperationException("Can't write to the response because the call is complete.");
    }

    private void PrepareResponseHeaders()
    {
        if (_responseHeadersPrepared) return;
        _responseHeadersPrepared = true;
        var response = HttpContext.Response;
        response.ContentType = GrpcProtocol.ContentType;
        var headers = response.Headers;
        headers.GrpcAcceptEncoding = MessageCompression.AcceptEncodingValue;
        _responseEncoding = NegotiateResponseEncoding();
        if (_responseEncoding is not null) headers.GrpcEncoding = _responseEncoding;
    }

    /// <summary>The configured algorithm if the client accepts it (compression.md: never send what the peer did not list).</summary>
    private string? NegotiateResponseEncoding()
    {
        var algorithm = _hasResponseCompressionOverride ? _responseCompressionOverride : _settings.ResponseCompressionAlgorithm;
        if (!MessageCompression.IsCompressing(algorithm)) return null;
        foreach (var value in HttpContext.Request.Headers.GrpcAcceptEncoding)
        {
            if (value is null) continue;
            var span = value.AsSpan();
            foreach (var range in span.Split(','))
                if (span[range].Trim().Equals(algorithm, StringComparison.Ordinal)) return algorithm;
        }
        return null;
    }

    // ---- ending the call ----

    /// <summary>
    /// Writes the final status exactly once: the handler's (or error's) status, or DEADLINE_EXCEEDED if
    /// the deadline passed. Never throws — the response may already be gone.
    /// </summary>
    public ValueTask EndCallAsync(Exception? error)
    {
        if (_deadline is null)
        {
            EndCallCore(error);
            return default;
        }
        return EndCallGatedAsync(error);
    }

    private async ValueTask EndCallGatedAsync(Exception? error)
    {
        var deadline = _deadline!;
        await deadline.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            EndCallCore(error);
        }
        finally
        {
            deadline.Gate.Release();
        }
    }

    private void EndCallCore(Exception? error)
    {
        if (_completed) return;
        _completed = true;
        Status status;
        if (_deadline?.IsExpired == true) status = DeadlineExceededStatus;
        else if (error is null) status = _status;
        else status = StatusFromException(error);
        TryWriteStatus(status);
    }

    private Status StatusFromException(Exception error) =>
        HandlerFailure.ToStatus(error, this, _settings, _method, HttpContext);

    /// <summary>
    /// Trailers-only (status in the one HEADERS frame, END_STREAM) when nothing has been sent yet,
    /// as PROTOCOL-HTTP2.md prescribes for immediate errors; otherwise HTTP/2 trailers.
    /// </summary>
    private void TryWriteStatus(Status status)
    {
        try
        {
            var response = HttpContext.Response;
            IHeaderDictionary target;
            if (!_responseStarted && !response.HasStarted)
            {
                response.ContentType = GrpcProtocol.ContentType;
                target = response.Headers;
                target.GrpcAcceptEncoding = MessageCompression.AcceptEncodingValue;
            }
            else
            {
                target = HttpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers
                         ?? throw new InvalidOperationException("The connection does not support HTTP trailers.");
            }

            target.GrpcStatus = MetadataHeaders.StatusCodeValue(status.StatusCode);
            if (status.Detail.Length > 0) target.GrpcMessage = PercentEncoding.Encode(status.Detail);
            if (_responseTrailers is { Count: > 0 }) MetadataHeaders.WriteTo(_responseTrailers, target);
        }
        catch (Exception ex)
        {
            _settings.Logger.LogStatusWriteFailed(_method, ex);
        }
    }

    /// <summary>
    /// Timer callback (via ServerCallDeadline) after the token has fired: end the response with
    /// DEADLINE_EXCEEDED now, whether or not the handler has noticed.
    /// </summary>
    internal async Task OnDeadlineExpiredAsync()
    {
        var deadline = _deadline!;
        await deadline.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_completed) return;
            _completed = true;
            _settings.Logger.LogDeadlineExceeded(_method);
            TryWriteStatus(DeadlineExceededStatus);
            await HttpContext.Response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _settings.Logger.LogStatusWriteFailed(_method, ex);
        }
        finally
        {
            deadline.Gate.Release();
        }
    }

    /// <summary>Stops the deadline timer; the HttpContext must not be touched after the request ends.</summary>
    public void Release() => _deadline?.Dispose();

    private static string FormatPeer(ConnectionInfo connection)
    {
        var address = connection.RemoteIpAddress;
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"ipv6:[{address}]:{connection.RemotePort}"
            : $"ipv4:{address}:{connection.RemotePort}";
    }
}
