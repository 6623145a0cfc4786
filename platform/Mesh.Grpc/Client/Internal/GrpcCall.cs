using System.IO.Pipelines;
using System.Net;
using System.Net.Http;
using Mesh.Grpc.Client.Balancing;
using Mesh.Grpc.Wire;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Client.Internal;

/// <summary>
/// One call over HTTP/2, of any of the four kinds: sends the request (choosing an endpoint, failing over when
/// one cannot be reached), validates the response headers, reads framed messages, and settles the final status
/// exactly once — from trailers, from a trailers-only response, from the HTTP status, or from a local cause
/// (deadline, cancellation, a broken connection). Anything that ends the call early resets the HTTP/2 stream.
/// </summary>
internal sealed class GrpcCall<TRequest, TResponse> where TRequest : class where TResponse : class
{
    private static readonly StreamPipeReaderOptions ReaderOptions = new(leaveOpen: false);
    private static readonly StreamPipeWriterOptions WriterOptions = new(leaveOpen: true);

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly string? _requestEncoding;
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _token;

    private ITimer? _deadlineTimer;
    private CancellationTokenRegistration _callerCancellation;
    private CancellationTokenRegistration _channelShutdown;
    private bool _expectsSingleResponse;
    private int _finishing;
    private volatile bool _finished;
    private Status _status;
    private Metadata? _trailers;

    private Uri? _endpoint;
    private HttpResponseMessage? _response;
    private PipeReader? _responseReader;
    private string? _responseEncoding;
    private RpcException? _requestError;
    private int _readInProgress;

    // Streaming requests only: the body writer once HttpClient hands us the stream, and the signal that ends the body.
    private TaskCompletionSource<PipeWriter>? _requestWriter;
    private TaskCompletionSource? _requestCompleted;

    public GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        var encoding = options.Compression ?? channel.Options.RequestCompression;
        if (!MessageCompression.IsSupported(encoding))
            throw new InvalidOperationException($"Unsupported request compression '{encoding}'. Use gzip, deflate or identity.");
        _requestEncoding = MessageCompression.IsCompressing(encoding) ? encoding : null;
        // One source aborts everything in flight (send, reads, writes). Every reason to stop — the caller's token,
        // the channel's shutdown, the deadline, Dispose() — first settles the status, then cancels it, so the
        // status says why the call ended (CANCELLED vs DEADLINE_EXCEEDED) however the abort surfaces.
        _cts = new CancellationTokenSource();
        _token = _cts.Token;
    }

    public Task<Metadata> ResponseHeadersTask { get; private set; } = null!;
    public CallState State { get; private set; } = null!;
    public TResponse Current { get; private set; } = default!;

    private DateTime? Deadline => _options.Deadline is { } d && d != DateTime.MaxValue ? d.ToUniversalTime() : null;

    // ---------------------------------------------------------------- start

    /// <summary>Starts a unary or server-streaming call: the request body is the one message.</summary>
    public void StartWithRequest(TRequest request, bool expectsSingleResponse)
    {
        _expectsSingleResponse = expectsSingleResponse;
        Start(request);
    }

    /// <summary>Starts a client- or bidi-streaming call: the body stays open until CompleteRequestAsync.</summary>
    public void StartStreaming(bool expectsSingleResponse)
    {
        _expectsSingleResponse = expectsSingleResponse;
        _requestWriter = new TaskCompletionSource<PipeWriter>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requestCompleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Start(null);
    }

    private void Start(TRequest? request)
    {
        if (Deadline is { } deadline)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                // Already too late: fail without sending anything.
                Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), Metadata.Empty, transportFailure: false);
                ResponseHeadersTask = Task.FromException<Metadata>(CreateException());
                State = new CallState(ResponseHeadersTask, GetStatus, GetTrailers, Dispose);
                return;
            }
            if (remaining.TotalMilliseconds < int.MaxValue)
            {
                // A timer that settles DEADLINE_EXCEEDED and then cancels (Finish), rather than the source's own
                // CancelAfter plus a registration on it: one object less per call, and no finalizable Timer holder.
                _deadlineTimer = TimeProvider.System.CreateTimer(static s => ((GrpcCall<TRequest, TResponse>)s!).OnDeadline(), this,
                    remaining, Timeout.InfiniteTimeSpan);
            }
        }
        if (_options.CancellationToken.CanBeCanceled)
            _callerCancellation = _options.CancellationToken.UnsafeRegister(static s => ((GrpcCall<TRequest, TResponse>)s!).CancelByClient(), this);
        _channelShutdown = _channel.ShutdownToken.UnsafeRegister(static s => ((GrpcCall<TRequest, TResponse>)s!).CancelByClient(), this);
        // A deadline timer or a cancellation that fired during the lines above finished the call before these
        // registrations existed: Finish had nothing to unregister, and the channel's token would keep this call alive.
        if (_finished)
        {
            _callerCancellation.Unregister();
            _channelShutdown.Unregister();
        }
        ResponseHeadersTask = SendAsync(request);
        State = new CallState(ResponseHeadersTask, GetStatus, GetTrailers, Dispose);
    }

    private async Task<Metadata> SendAsync(TRequest? request)
    {
        List<Uri>? tried = null;
        HttpRequestException? lastConnectError = null;
        try
        {
            HttpResponseMessage response;
            while (true)
            {
                var endpoint = _channel.Picker.Pick(_method, (IReadOnlyCollection<Uri>?)tried ?? Array.Empty<Uri>());
                if (endpoint is null)
                {
                    var detail = lastConnectError is null
                        ? "No endpoint is available."
                        : $"Error connecting to {string.Join(", ", tried!)}: {lastConnectError.Message}";
                    Finish(new Status(StatusCode.Unavailable, detail, lastConnectError), Metadata.Empty, transportFailure: false);
                    throw CreateException();
                }
                _endpoint = endpoint;
                var httpRequest = CreateRequest(endpoint, request);
                try
                {
                    response = await _channel.HttpInvoker.SendAsync(httpRequest, _token).ConfigureAwait(false);
                    break;
                }
                catch (HttpRequestException ex) when (IsConnectFailure(ex) && !_token.IsCancellationRequested && !_finished)
                {
                    // The request never left this process, so trying another endpoint is safe for any method.
                    _channel.Picker.ReportConnectFailure(endpoint, ex);
                    _channel.Logger.LogDebug(ex, "Could not connect to {Endpoint} for {Method}.", endpoint, _method.FullName);
                    (tried ??= new List<Uri>()).Add(endpoint);
                    lastConnectError = ex;
                    httpRequest.Dispose();
                }
            }

            _response = response;
            if (_finished)
            {
                response.Dispose();
                throw CreateException();
            }
            return await OnResponseHeadersAsync(response).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw FailWith(ex);
        }
    }

    private HttpRequestMessage CreateRequest(Uri endpoint, TRequest? request)
    {
        HttpContent content = request is null
            ? new StreamingRequestContent<TRequest, TResponse>(this)
            : new UnaryRequestContent<TRequest, TResponse>(this, request);
        content.Headers.TryAddWithoutValidation("content-type", GrpcProtocol.ContentType);

        var message = new HttpRequestMessage(HttpMethod.Post, _channel.GetRequestUri(endpoint, _method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = message.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, "trailers");
        headers.TryAddWithoutValidation("user-agent", GrpcProtocol.UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.MessageAcceptEncodingHeader, MessageCompression.AcceptEncodingValue);
        if (_requestEncoding is not null) headers.TryAddWithoutValidation(GrpcProtocol.MessageEncodingHeader, _requestEncoding);
        if (Deadline is { } deadline)
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(deadline - DateTime.UtcNow));
        if (_options.Headers is { Count: > 0 } metadata) MetadataHeaders.AddTo(headers, metadata);
        return message;
    }

    /// <summary>Checks what the server answered before any message is read; ends the call if it is already over.</summary>
    private async Task<Metadata> OnResponseHeadersAsync(HttpResponseMessage response)
    {
        var headerStatus = ResponseStatus.FromHeaders(response.Headers);
        if (headerStatus is { } trailersOnlyStatus)
        {
            // Trailers-only: the status came with the headers (and must be used whatever the HTTP status).
            var trailers = MetadataHeaders.FromHeaders(response.Headers);
            if (trailersOnlyStatus.StatusCode == StatusCode.OK && _expectsSingleResponse)
                trailersOnlyStatus = new Status(StatusCode.Internal, "Failed to deserialize response message: the server sent no message.");
            Finish(trailersOnlyStatus, trailers, transportFailure: false);
            return trailers;
        }
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Finish(ResponseStatus.FromHttpStatus(response.StatusCode), Metadata.Empty, transportFailure: false);
            throw CreateException();
        }
        var contentType = response.Content.Headers.NonValidated.TryGetValues("content-type", out var values) ? values.ToString() : null;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            Finish(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: '{contentType}'."), Metadata.Empty, transportFailure: false);
            throw CreateException();
        }
        if (response.Headers.NonValidated.TryGetValues(GrpcProtocol.MessageEncodingHeader, out var encoding))
            _responseEncoding = encoding.ToString();

        var stream = await response.Content.ReadAsStreamAsync(_token).ConfigureAwait(false);
        _responseReader = PipeReader.Create(stream, ReaderOptions);
        return MetadataHeaders.FromHeaders(response.Headers);
    }

    // ---------------------------------------------------------------- responses

    /// <summary>The single response of a unary or client-streaming call.</summary>
    public async Task<TResponse> ReadSingleResponseAsync()
    {
        try
        {
            await ResponseHeadersTask.ConfigureAwait(false);
            if (_finished) throw CreateException(); // trailers-only (never OK here: a unary call needs a message)

            var (hasMessage, message) = await ReadMessageAsync().ConfigureAwait(false);
            if (hasMessage && (await ReadMessageAsync().ConfigureAwait(false)).HasMessage)
                throw new RpcException(new Status(StatusCode.Internal, "The server sent more than one response message for a call that expects one."));

            var (status, trailers) = ReadTrailers();
            if (status.StatusCode == StatusCode.OK && !hasMessage)
                status = new Status(StatusCode.Internal, "Failed to deserialize response message: the server sent no message.");
            Finish(status, trailers, transportFailure: false);
            CompleteReader();
            if (status.StatusCode != StatusCode.OK) throw CreateException();
            return message;
        }
        catch (Exception ex)
        {
            CompleteReader();
            throw FailWith(ex);
        }
    }

    /// <summary>Advances the response stream of a server- or bidi-streaming call.</summary>
    public async Task<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _readInProgress, 1) != 0)
            throw new InvalidOperationException("Can't read the next message because the previous read is still in progress.");
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((GrpcCall<TRequest, TResponse>)s!).CancelByClient(), this)
            : default;
        try
        {
            await ResponseHeadersTask.ConfigureAwait(false);
            if (_finished)
            {
                if (_status.StatusCode == StatusCode.OK) return false;
                throw CreateException();
            }

            var (hasMessage, message) = await ReadMessageAsync().ConfigureAwait(false);
            if (hasMessage)
            {
                Current = message;
                return true;
            }

            var (status, trailers) = ReadTrailers();
            Finish(status, trailers, transportFailure: false);
            CompleteReader();
            if (status.StatusCode != StatusCode.OK) throw CreateException();
            return false;
        }
        catch (Exception ex)
        {
            CompleteReader();
            throw FailWith(ex);
        }
        finally
        {
            registration.Dispose();
            Volatile.Write(ref _readInProgress, 0);
        }
    }

    private ValueTask<(bool HasMessage, TResponse Message)> ReadMessageAsync() =>
        MessageFraming.ReadMessageAsync(_responseReader!, _method.ResponseMarshaller, _responseEncoding, _channel.MaxReceiveMessageSize, _token);

    /// <summary>The status and trailers once the response body has ended.</summary>
    private (Status Status, Metadata Trailers) ReadTrailers()
    {
        var trailingHeaders = _response!.TrailingHeaders;
        var status = ResponseStatus.FromHeaders(trailingHeaders)
                     ?? new Status(StatusCode.Internal, "The response ended without a grpc-status trailer.");
        return (status, MetadataHeaders.FromHeaders(trailingHeaders));
    }

    private void CompleteReader()
    {
        var reader = Interlocked.Exchange(ref _responseReader, null);
        reader?.Complete();
    }

    // ---------------------------------------------------------------- streaming requests

    /// <summary>Called by the request content when HttpClient starts the body; false if the call is already over.</summary>
    internal bool OnRequestStreamReady(Stream stream)
    {
        return _requestWriter!.TrySetResult(PipeWriter.Create(stream, WriterOptions));
    }

    /// <summary>Completes when the request body should end (CompleteAsync, or the call is over).</summary>
    internal Task RequestCompleted => _requestCompleted!.Task;

    internal async Task WriteMessageAsync(TRequest message, WriteOptions? writeOptions, CancellationToken cancellationToken)
    {
        ThrowIfCannotWrite();
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((GrpcCall<TRequest, TResponse>)s!).CancelByClient(), this)
            : default;
        try
        {
            var writer = await _requestWriter!.Task.WaitAsync(_token).ConfigureAwait(false);
            var noCompress = ((writeOptions ?? _options.WriteOptions)?.Flags & WriteFlags.NoCompress) == WriteFlags.NoCompress;
            MessageFraming.WriteMessage(writer, message, _method.RequestMarshaller, noCompress ? null : _requestEncoding, _channel.MaxSendMessageSize);
            await writer.FlushAsync(_token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw FailWith(ex);
        }
        finally
        {
            registration.Dispose();
        }
    }

    internal async Task CompleteRequestAsync()
    {
        if (_finished)
        {
            if (_status.StatusCode != StatusCode.OK) throw CreateException();
            return;
        }
        try
        {
            var writer = await _requestWriter!.Task.WaitAsync(_token).ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
            _requestCompleted!.TrySetResult();
        }
        catch (Exception ex)
        {
            throw FailWith(ex);
        }
    }

    private void ThrowIfCannotWrite()
    {
        if (!_finished) return;
        if (_status.StatusCode != StatusCode.OK) throw CreateException();
        throw new InvalidOperationException("Can't write the message because the call is complete.");
    }

    /// <summary>Remembers why the request body failed (e.g. a message over MaxSendMessageSize) so that, not the HTTP error, is the status.</summary>
    internal void SetRequestError(RpcException error) => _requestError ??= error;

    internal string? RequestEncoding => _requestEncoding;
    internal Method<TRequest, TResponse> Method => _method;
    internal int MaxSendMessageSize => _channel.MaxSendMessageSize;

    // ---------------------------------------------------------------- ending

    public Status GetStatus() => _finished
        ? _status
        : throw new InvalidOperationException("Unable to get the status because the call is not complete.");

    public Metadata GetTrailers() => _finished
        ? _trailers!
        : throw new InvalidOperationException("Can't get the call trailers because the call has not completed successfully.");

    /// <summary>Cancels the call if it is still running (RST_STREAM, status CANCELLED) and frees it.</summary>
    public void Dispose()
    {
        if (!_finished) Finish(new Status(StatusCode.Cancelled, "gRPC call disposed."), Metadata.Empty, transportFailure: false);
    }

    private void CancelByClient()
    {
        if (!_finished) Finish(new Status(StatusCode.Cancelled, "Call canceled by the client."), Metadata.Empty, transportFailure: false);
    }

    /// <summary>The deadline timer fired: DEADLINE_EXCEEDED, then Finish cancels everything in flight.</summary>
    private void OnDeadline()
    {
        if (!_finished) Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), Metadata.Empty, transportFailure: false);
    }

    /// <summary>Settles the call's outcome (first caller wins) and releases everything it holds.</summary>
    private void Finish(Status status, Metadata trailers, bool transportFailure)
    {
        if (Interlocked.Exchange(ref _finishing, 1) != 0) return;
        _status = status;
        _trailers = trailers;
        _finished = true;

        // Anything still in flight (send, read, write) stops now; an unfinished HTTP/2 stream is reset.
        Volatile.Read(ref _deadlineTimer)?.Dispose(); // a timer that fires before it is stored finds the call finished
        _callerCancellation.Unregister();
        _channelShutdown.Unregister();
        if (status.StatusCode != StatusCode.OK) _cts.Cancel();
        _requestWriter?.TrySetCanceled();
        _requestCompleted?.TrySetResult();
        _response?.Dispose();
        _cts.Dispose();

        if (_endpoint is { } endpoint) _channel.Picker.ReportCallResult(endpoint, status.StatusCode, transportFailure);
        if (status.StatusCode != StatusCode.OK && _channel.Logger.IsEnabled(LogLevel.Debug))
            _channel.Logger.LogDebug(status.DebugException, "Call {Method} ended with {Status}.", _method.FullName, status);
    }

    /// <summary>Ends the call because of an exception (unless it has already ended) and gives the exception to throw.</summary>
    private RpcException FailWith(Exception ex)
    {
        if (!_finished)
        {
            var status = ResolveFailure(ex, out var transportFailure);
            Finish(status, Metadata.Empty, transportFailure);
        }
        return CreateException();
    }

    private RpcException CreateException() => new(_status, _trailers ?? Metadata.Empty);

    private Status ResolveFailure(Exception ex, out bool transportFailure)
    {
        transportFailure = false;
        // Every reason to cancel (the deadline timer included) settles the status before cancelling, so this is a
        // safety net: an unsettled call whose source is cancelled while it has a deadline reports the deadline.
        if (_token.IsCancellationRequested && Deadline is not null)
            return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded", ex);
        if (_requestError is not null) return _requestError.Status;

        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case RpcException rpc:
                    return rpc.Status;
                case HttpProtocolException protocol when _response is null && protocol.ErrorCode is 0x0 or 0x7:
                    // GOAWAY (or a refused stream) before any response: the server is going away. UNAVAILABLE, and the
                    // endpoint is suspect.
                    transportFailure = true;
                    return new Status(StatusCode.Unavailable, $"The server at {_endpoint} closed the connection before answering: {protocol.Message}", ex);
                case HttpProtocolException protocol:
                    return ResponseStatus.FromResetCode(protocol.ErrorCode, ex);
                case HttpRequestException request when IsConnectFailure(request):
                    transportFailure = true;
                    return new Status(StatusCode.Unavailable, $"Error connecting to {_endpoint}: {request.Message}", ex);
            }
        }
        if (ex is HttpRequestException or IOException or ObjectDisposedException)
        {
            transportFailure = true;
            return new Status(StatusCode.Unavailable, $"The connection to {_endpoint} failed: {ex.Message}", ex);
        }
        if (ex is OperationCanceledException) return new Status(StatusCode.Cancelled, "The call was canceled.", ex);
        return new Status(StatusCode.Internal, $"Error in the gRPC client: {ex.GetType().Name}: {ex.Message}", ex);
    }

    private static bool IsConnectFailure(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError;
}
