using Mesh.Grpc.Interceptors;
using Polly;

namespace Mesh.ServiceDefaults.Resilience;

/// <summary>
/// A unary call made of one or more attempts run through a Polly pipeline (retry or hedging). To its caller it
/// looks like one call: the response, headers, status and trailers are those of the attempt that decided the
/// outcome. All attempts share the call's absolute deadline; a back-off that would outlast it ends the call with
/// DEADLINE_EXCEEDED, and cancelling or disposing the call stops the attempt in flight.
/// </summary>
/// <remarks>
/// Retried calls take a fast path, because almost every call succeeds at once: the first attempt runs outside the
/// pipeline, with the call's own token and deadline (its GrpcCall already enforces both), so a call that needs no
/// retry costs no Polly execution, no cancellation source and no deadline timer. Only after a retryable failure
/// (UNAVAILABLE) does the call enter the pipeline, and the pipeline's first "execution" replays that failure
/// instead of calling again. Polly therefore decides exactly as if it had run the first attempt itself: the same
/// ShouldHandle (status and retry budget), the same attempt count and the same back-off sequence.
/// Hedged calls run the whole pipeline from the start: hedging must time the first attempt to start the next.
/// </remarks>
internal sealed class ResilientUnaryCall<TRequest, TResponse> where TRequest : class where TResponse : class
{
    private readonly ResiliencePipeline<TResponse> _pipeline;
    private readonly TRequest _request;
    private readonly ClientInterceptorContext<TRequest, TResponse> _context;
    private readonly Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> _continuation;
    private readonly CancellationTokenSource? _linkedSource;
    private readonly DateTime? _deadline;
    // Settled when the call ends (see CompleteHeaders), rather than by a method awaiting the response: a second
    // awaiter of the response task would make the runtime queue one of the two continuations to the thread pool.
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _source;
    private AsyncUnaryCall<TResponse>? _first;
    private RpcException? _replay;
    private AsyncUnaryCall<TResponse>? _winner;
    private AsyncUnaryCall<TResponse>? _lastFailed;
    private Status? _localStatus;
    private Exception? _error;
    private int _completed;
    private int _disposed;

    private ResilientUnaryCall(ResiliencePipeline<TResponse> pipeline, TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> continuation, CancellationTokenSource? linkedSource)
    {
        _pipeline = pipeline;
        _request = request;
        _context = context;
        _continuation = continuation;
        _linkedSource = linkedSource;
        _deadline = context.Options.Deadline;
    }

    public static AsyncUnaryCall<TResponse> Start(ResiliencePipeline<TResponse> pipeline, bool hedged, TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> continuation,
        CancellationTokenSource? linkedSource)
    {
        var call = new ResilientUnaryCall<TRequest, TResponse>(pipeline, request, context, continuation, linkedSource);
        var response = hedged ? call.RunHedgedAsync() : call.RunRetryingAsync();
        return new AsyncUnaryCall<TResponse>(response, new CallState(call._headers.Task, call.GetStatus, call.GetTrailers, call.Dispose));
    }

    /// <summary>First attempt outside Polly; the pipeline only after a retryable failure.</summary>
    private Task<TResponse> RunRetryingAsync() =>
        // Nothing can be waiting on the retry source once the pipeline has returned: it is disposed with the call.
        RunAsync(static call => call.FirstAttemptThenPipelineAsync(), disposeSource: true);

    /// <summary>Every attempt through the pipeline, as hedging needs (the source lives as long as the call).</summary>
    private Task<TResponse> RunHedgedAsync() => RunAsync(static call => call.RunPipelineAsync(call.CreateSource()), disposeSource: false);

    /// <summary>Runs the call's attempts and, whatever the outcome, settles the call's state.</summary>
    private async Task<TResponse> RunAsync(Func<ResilientUnaryCall<TRequest, TResponse>, Task<TResponse>> attempts, bool disposeSource)
    {
        try
        {
            return await attempts(this).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            _error = ex;
            throw;
        }
        finally
        {
            Volatile.Write(ref _completed, 1);
            _linkedSource?.Dispose();
            if (disposeSource) Volatile.Read(ref _source)?.Dispose();
            CompleteHeaders();
        }
    }

    private async Task<TResponse> FirstAttemptThenPipelineAsync()
    {
        var first = _continuation(_request, _context);
        _first = first; // Start has not returned yet, so Dispose cannot race this write
        try
        {
            var response = await first.ResponseAsync.ConfigureAwait(false);
            Volatile.Write(ref _winner, first);
            return response;
        }
        catch (RpcException ex)
        {
            Volatile.Write(ref _lastFailed, first);
            if (!ResilienceInterceptor.IsTransient(ex)) throw;
            _replay = ex;
            return await RunPipelineAsync(CreateSource()).ConfigureAwait(false);
        }
    }

    private async Task<TResponse> RunPipelineAsync(CancellationTokenSource source)
    {
        try
        {
            return await _pipeline.ExecuteAsync(
                static (call, token) => call.AttemptAsync(token), this, source.Token).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && source.IsCancellationRequested && RanOutOfTime())
        {
            // An attempt cut short by the pipeline's source (the deadline) ends as its GrpcCall saw it, CANCELLED,
            // unless its own deadline timer won the race: the call as a whole ran out of time.
            _localStatus = new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            throw new RpcException(_localStatus.Value);
        }
        catch (OperationCanceledException) when (source.IsCancellationRequested)
        {
            // Cancelled between attempts (an attempt in flight ends with an RpcException of its own). Told apart by
            // who cancelled, not by the clock: the deadline timer may fire a moment before DateTime.UtcNow reaches
            // the deadline, and such a call still ran out of time.
            // The caller's token also fires when a propagated (incoming) deadline passes: then the clock decides.
            _localStatus = RanOutOfTime()
                ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded")
                : new Status(StatusCode.Cancelled, "Call canceled by the client.");
            throw new RpcException(_localStatus.Value);
        }
    }

    /// <summary>Whether the pipeline's source fired for the deadline rather than for the caller or a dispose.</summary>
    private bool RanOutOfTime() =>
        Volatile.Read(ref _disposed) == 0 && _deadline is { } d &&
        (!_context.Options.CancellationToken.IsCancellationRequested || DateTime.UtcNow >= d);

    /// <summary>
    /// The source that stops the pipeline (back-off and attempts): the caller's token and the call's deadline.
    /// Made only when the pipeline runs, so calls that succeed at once never start a deadline timer.
    /// </summary>
    private CancellationTokenSource CreateSource()
    {
        var token = _context.Options.CancellationToken;
        var source = token.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(token) : new CancellationTokenSource();
        if (_deadline is { } deadline)
        {
            var remaining = deadline - DateTime.UtcNow;
            // CancelAfter rejects more than ~49 days; such a deadline is no deadline for a back-off.
            if (remaining.TotalMilliseconds < uint.MaxValue - 1) source.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
        Interlocked.Exchange(ref _source, source);
        // Dispose() may have run before the source existed: it set the flag, so honour it here.
        if (Volatile.Read(ref _disposed) != 0) source.Cancel();
        return source;
    }

    private ValueTask<TResponse> AttemptAsync(CancellationToken token)
    {
        // The pipeline's first execution after a failed fast-path attempt is that attempt: give Polly its outcome.
        if (Interlocked.Exchange(ref _replay, null) is { } failure) return ValueTask.FromException<TResponse>(failure);
        return NewAttemptAsync(token);
    }

    private async ValueTask<TResponse> NewAttemptAsync(CancellationToken token)
    {
        var options = _context.Options.WithCancellationToken(token);
        var attempt = _continuation(_request, new ClientInterceptorContext<TRequest, TResponse>(_context.Method, _context.Host, options));
        try
        {
            var response = await attempt.ResponseAsync.ConfigureAwait(false);
            _ = Interlocked.CompareExchange(ref _winner, attempt, null);
            return response;
        }
        catch (RpcException)
        {
            Volatile.Write(ref _lastFailed, attempt);
            throw;
        }
    }

    private AsyncUnaryCall<TResponse>? Final => Volatile.Read(ref _winner) ?? Volatile.Read(ref _lastFailed);

    /// <summary>
    /// The call's response headers, once it has ended: those of the attempt that decided the outcome (a failed
    /// attempt's too, if it got any); an error that was not an RpcException fails them as it failed the call.
    /// </summary>
    private void CompleteHeaders()
    {
        if (_error is { } error)
        {
            _headers.TrySetException(error);
            return;
        }
        if (Final is not { } final)
        {
            _headers.TrySetException(new RpcException(_localStatus ?? new Status(StatusCode.Cancelled, "The call ended before any attempt was made.")));
            return;
        }
        var headers = final.ResponseHeadersAsync;
        if (headers.IsCompleted) CopyHeaders(headers);
        else headers.ContinueWith(static (task, state) => ((ResilientUnaryCall<TRequest, TResponse>)state!).CopyHeaders(task), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void CopyHeaders(Task<Metadata> headers)
    {
        if (headers.IsCompletedSuccessfully) _headers.TrySetResult(headers.Result);
        else if (headers.IsCanceled) _headers.TrySetCanceled();
        else _headers.TrySetException(headers.Exception!.InnerExceptions);
    }

    private Status GetStatus()
    {
        if (Volatile.Read(ref _completed) == 0) throw new InvalidOperationException("Unable to get the status because the call is not complete.");
        return _localStatus ?? Final?.GetStatus() ?? new Status(StatusCode.Cancelled, "No attempt was made.");
    }

    private Metadata GetTrailers()
    {
        if (Volatile.Read(ref _completed) == 0) throw new InvalidOperationException("Can't get the call trailers because the call has not completed.");
        return _localStatus is null && Final is { } final ? final.GetTrailers() : Metadata.Empty;
    }

    private void Dispose()
    {
        if (Volatile.Read(ref _completed) == 0)
        {
            Interlocked.Exchange(ref _disposed, 1);
            // The pipeline, if it runs: stops its back-off and cancels the attempt in flight through its token.
            try { Volatile.Read(ref _source)?.Cancel(); } catch (ObjectDisposedException) { }
            // The fast-path attempt runs on the caller's token: cancel it directly (a no-op once it has ended).
            _first?.Dispose();
        }
        Final?.Dispose();
    }
}
