using Mesh.Grpc.Interceptors;
using Polly;

namespace Mesh.ServiceDefaults.Resilience;

/// <summary>
/// A unary call made of one or more attempts run through a Polly pipeline (retry or hedging). To its caller it
/// looks like one call: the response, headers, status and trailers are those of the attempt that decided the
/// outcome. All attempts share the call's absolute deadline; a back-off that would outlast it ends the call with
/// DEADLINE_EXCEEDED, and cancelling or disposing the call stops the attempt in flight.
/// </summary>
internal sealed class ResilientUnaryCall<TRequest, TResponse> where TRequest : class where TResponse : class
{
    private readonly CancellationTokenSource _cts;
    private readonly CancellationTokenSource? _linkedSource;
    private readonly DateTime? _deadline;
    private AsyncUnaryCall<TResponse>? _winner;
    private AsyncUnaryCall<TResponse>? _lastFailed;
    private Status? _localStatus;
    private int _completed;

    private ResilientUnaryCall(CallOptions options, CancellationTokenSource? linkedSource)
    {
        _linkedSource = linkedSource;
        _deadline = options.Deadline;
        _cts = options.CancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken)
            : new CancellationTokenSource();
        if (_deadline is { } deadline)
        {
            var remaining = deadline - DateTime.UtcNow;
            _cts.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }
    }

    public static AsyncUnaryCall<TResponse> Start(ResiliencePipeline<TResponse> pipeline, TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> continuation,
        CancellationTokenSource? linkedSource)
    {
        var call = new ResilientUnaryCall<TRequest, TResponse>(context.Options, linkedSource);
        var response = call.RunAsync(pipeline, request, context, continuation);
        return new AsyncUnaryCall<TResponse>(response, new CallState(call.HeadersAsync(response), call.GetStatus, call.GetTrailers, call.Dispose));
    }

    private async Task<TResponse> RunAsync(ResiliencePipeline<TResponse> pipeline, TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        try
        {
            return await pipeline.ExecuteAsync(
                static (state, token) => state.call.AttemptAsync(state.request, state.context, state.continuation, token),
                (call: this, request, context, continuation), _cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            // Cancelled between attempts (an attempt in flight ends with an RpcException of its own).
            _localStatus = _deadline is { } d && DateTime.UtcNow >= d
                ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded")
                : new Status(StatusCode.Cancelled, "Call canceled by the client.");
            throw new RpcException(_localStatus.Value);
        }
        finally
        {
            Volatile.Write(ref _completed, 1);
            _linkedSource?.Dispose();
        }
    }

    private async ValueTask<TResponse> AttemptAsync(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        Interceptor.AsyncUnaryCallContinuation<TRequest, TResponse> continuation, CancellationToken token)
    {
        var options = context.Options.WithCancellationToken(token);
        var attempt = continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options));
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

    private async Task<Metadata> HeadersAsync(Task<TResponse> response)
    {
        try { await response.ConfigureAwait(false); }
        catch (RpcException) { /* the headers of the failed attempt, if it got any, are still worth giving */ }
        if (Final is { } final) return await final.ResponseHeadersAsync.ConfigureAwait(false);
        throw new RpcException(_localStatus ?? new Status(StatusCode.Cancelled, "The call ended before any attempt was made."));
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
            try { _cts.Cancel(); } catch (ObjectDisposedException) { }
        }
        Final?.Dispose();
    }
}
