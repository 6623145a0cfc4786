using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using Mesh.Grpc.Wire;
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Server.Connect;

/// <summary>
/// One Connect-protocol call: the handler's <see cref="ServerCallContext"/> and the owner of the response.
/// Unary calls answer with a bare message (200) or an HTTP error status with a JSON error body; since the
/// status decides the HTTP status, the response message is held until the call ends. Streaming calls answer
/// 200 with enveloped messages, ending with an end-of-stream envelope that carries status and trailers
/// (Connect uses no HTTP trailers). Compression is not supported: a compressed request is UNIMPLEMENTED
/// and responses are never compressed.
/// </summary>
internal sealed class ConnectServerCallContext : ServerCallContext
{
    private readonly ServerCallSettings _settings;
    private readonly string _method;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private Status _status = Status.DefaultSuccess;
    private WriteOptions? _writeOptions;
    private CancellationTokenSource? _timeout;
    private DateTime _deadline = DateTime.MaxValue;
    private string? _peer;
    private ArrayBufferWriter<byte>? _unaryResponse;
    private bool _responseStarted;
    private bool _completed;

    public ConnectServerCallContext(HttpContext httpContext, string method, ServerCallSettings settings, bool streaming)
    {
        HttpContext = httpContext;
        _method = method;
        _settings = settings;
        IsStreaming = streaming;
    }

    public HttpContext HttpContext { get; }

    /// <summary>Enveloped messages (application/connect+proto) rather than one bare message (application/proto).</summary>
    public bool IsStreaming { get; }

    /// <summary>Reads Connect-Timeout-Ms and rejects compressed requests (not supported).</summary>
    public void Initialize()
    {
        var headers = HttpContext.Request.Headers;
        string? encoding = headers[IsStreaming ? ConnectProtocol.StreamingEncodingHeader : ConnectProtocol.UnaryEncodingHeader];
        if (!string.IsNullOrEmpty(encoding) && encoding != MessageCompression.Identity)
            throw new RpcException(new Status(StatusCode.Unimplemented,
                $"Unsupported compression '{encoding}': this server speaks the Connect protocol without compression."));

        string? timeout = headers[ConnectProtocol.TimeoutHeader];
        if (timeout is null) return;
        if (!ConnectProtocol.TryParseTimeout(timeout, out var span))
        {
            _settings.Logger.LogInvalidTimeout(timeout);
            return;
        }
        _deadline = DateTime.UtcNow + span;
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(HttpContext.RequestAborted);
        _timeout.CancelAfter(span);
    }

    // ---- ServerCallContext ----

    protected override string MethodCore => _method;
    protected override string HostCore => HttpContext.Request.Host.Value ?? "";
    protected override string PeerCore => _peer ??= FormatPeer(HttpContext.Connection);
    protected override DateTime DeadlineCore => _deadline;
    protected override Metadata RequestHeadersCore => _requestHeaders ??= ReadRequestMetadata(HttpContext.Request.Headers);
    protected override CancellationToken CancellationTokenCore => _timeout?.Token ?? HttpContext.RequestAborted;
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
        ThrowIfCompleted();
        if (_responseStarted || HttpContext.Response.HasStarted)
            throw new InvalidOperationException("Response headers can only be sent once per call.");
        PrepareResponse();
        MetadataHeaders.WriteTo(responseHeaders, HttpContext.Response.Headers);
        _responseStarted = true;
        // A unary response's headers wait for the status (it picks the HTTP status); a stream's go now.
        return IsStreaming ? HttpContext.Response.BodyWriter.FlushAsync(CancellationToken).AsTask() : Task.CompletedTask;
    }

    // ---- reading ----

    /// <summary>The whole body of a unary request is one bare message.</summary>
    public async ValueTask<T> ReadUnaryRequestAsync<T>(Marshaller<T> marshaller)
    {
        var reader = HttpContext.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(CancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length > _settings.MaxReceiveMessageSize)
            {
                reader.AdvanceTo(buffer.End);
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"Received message larger than max ({buffer.Length} vs. {_settings.MaxReceiveMessageSize})."));
            }
            if (result.IsCompleted)
            {
                try
                {
                    return Deserialize(marshaller, buffer);
                }
                finally
                {
                    reader.AdvanceTo(buffer.End);
                }
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// The next enveloped request message. Request envelopes are laid out like gRPC's length-prefixed
    /// messages (flag 0x01 = compressed, which we reject), so gRPC's framing reader serves as is.
    /// </summary>
    public ValueTask<(bool HasMessage, T Message)> ReadEnvelopeAsync<T>(Marshaller<T> marshaller, CancellationToken cancellationToken) =>
        MessageFraming.ReadMessageAsync(HttpContext.Request.BodyReader, marshaller, null, _settings.MaxReceiveMessageSize, cancellationToken);

    private static T Deserialize<T>(Marshaller<T> marshaller, ReadOnlySequence<byte> payload)
    {
        try
        {
            return marshaller.Deserialize(payload);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Failed to deserialize the request message.", ex));
        }
    }

    // ---- writing ----

    /// <summary>Keeps the unary response until the call ends: only a successful status sends it.</summary>
    public void SetUnaryResponse<T>(T message, Marshaller<T> marshaller)
    {
        ThrowIfCompleted();
        if (_unaryResponse is not null) throw new InvalidOperationException("A unary call has exactly one response message.");
        var body = new ArrayBufferWriter<byte>();
        marshaller.Serialize(message, body);
        if (body.WrittenCount > _settings.MaxSendMessageSize)
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"Sending message exceeds the maximum configured message size ({body.WrittenCount} vs. {_settings.MaxSendMessageSize})."));
        _unaryResponse = body;
    }

    /// <summary>Writes one enveloped message of a streaming response and flushes it.</summary>
    public async ValueTask WriteEnvelopeAsync<T>(T message, Marshaller<T> marshaller)
    {
        ThrowIfCompleted();
        CancellationToken.ThrowIfCancellationRequested();
        PrepareResponse();
        _responseStarted = true;
        var writer = HttpContext.Response.BodyWriter;
        MessageFraming.WriteMessage(writer, message, marshaller, null, _settings.MaxSendMessageSize);
        await writer.FlushAsync(CancellationToken).ConfigureAwait(false);
    }

    private void PrepareResponse()
    {
        if (_responseStarted) return;
        var response = HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = IsStreaming ? ConnectProtocol.StreamingContentType : ConnectProtocol.UnaryContentType;
    }

    private void ThrowIfCompleted()
    {
        if (_completed) throw new InvalidOperationException("Can't write to the response because the call is complete.");
    }

    // ---- ending the call ----

    /// <summary>Sends the status exactly once (the handler's, the error's, or DEADLINE_EXCEEDED). Never throws.</summary>
    public async ValueTask EndCallAsync(Exception? error)
    {
        if (_completed) return;
        _completed = true;
        Status status;
        if (_timeout is { IsCancellationRequested: true } && !HttpContext.RequestAborted.IsCancellationRequested)
        {
            _settings.Logger.LogDeadlineExceeded(_method);
            status = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        else
        {
            status = error is null ? _status : StatusFromException(error);
        }

        try
        {
            if (IsStreaming) await WriteEndStreamAsync(status).ConfigureAwait(false);
            else await WriteUnaryEndAsync(status).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _settings.Logger.LogStatusWriteFailed(_method, ex);
        }
    }

    private async Task WriteUnaryEndAsync(Status status)
    {
        var response = HttpContext.Response;
        if (response.HasStarted) return;   // only a broken handler gets here; the client sees a truncated response
        if (_responseTrailers is { Count: > 0 })
        {
            foreach (var entry in _responseTrailers)
            {
                if (ConnectErrorJson.IsStatusDetails(entry.Key)) continue;   // goes into the error's "details"
                var value = entry.IsBinary ? MetadataHeaders.EncodeBinary(entry.ValueBytes) : entry.Value;
                response.Headers.Append(ConnectProtocol.UnaryTrailerPrefix + entry.Key, value);
            }
        }

        ArrayBufferWriter<byte> body;
        if (status.StatusCode == StatusCode.OK)
        {
            PrepareResponse();
            body = _unaryResponse ?? new ArrayBufferWriter<byte>(1);
        }
        else
        {
            response.StatusCode = ConnectProtocol.HttpStatus(status.StatusCode);
            response.ContentType = ConnectProtocol.ErrorContentType;
            body = new ArrayBufferWriter<byte>();
            ConnectErrorJson.WriteError(body, status, _responseTrailers);
        }
        response.ContentLength = body.WrittenCount;
        await response.BodyWriter.WriteAsync(body.WrittenMemory).ConfigureAwait(false);
    }

    private async Task WriteEndStreamAsync(Status status)
    {
        PrepareResponse();
        _responseStarted = true;
        var json = new ArrayBufferWriter<byte>();
        ConnectErrorJson.WriteEndStream(json, status, _responseTrailers);

        PipeWriter writer = HttpContext.Response.BodyWriter;
        var header = writer.GetSpan(GrpcProtocol.HeaderSize);
        header[0] = ConnectProtocol.EndStreamFlag;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)json.WrittenCount);
        writer.Advance(GrpcProtocol.HeaderSize);
        writer.Write(json.WrittenSpan);
        await writer.FlushAsync().ConfigureAwait(false);
    }

    private Status StatusFromException(Exception error) =>
        HandlerFailure.ToStatus(error, this, _settings, _method, HttpContext);

    /// <summary>Stops the timeout timer.</summary>
    public void Release() => _timeout?.Dispose();

    /// <summary>Custom metadata: as for gRPC, minus the Connect protocol's own headers.</summary>
    private static Metadata ReadRequestMetadata(IHeaderDictionary headers)
    {
        var all = MetadataHeaders.FromRequestHeaders(headers);
        var metadata = new Metadata();
        foreach (var entry in all)
        {
            if (entry.Key.StartsWith("connect-", StringComparison.OrdinalIgnoreCase)
                || entry.Key.Equals(ConnectProtocol.UnaryEncodingHeader, StringComparison.OrdinalIgnoreCase)) continue;
            metadata.Add(entry);
        }
        return metadata;
    }

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
