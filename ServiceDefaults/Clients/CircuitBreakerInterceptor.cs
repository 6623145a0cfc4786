using Grpc.Core.Interceptors;
using Polly;
using Polly.CircuitBreaker;

namespace Mesh.ServiceDefaults.Clients;

/// <summary>
/// The breaker of one downstream service (Polly's circuit breaker) around each unary call, outside grpc-dotnet's own
/// retries: it counts a call's final outcome once, never an attempt. UNAVAILABLE counts as a failure; while the
/// circuit is open a call fails at once with UNAVAILABLE and is never sent.
/// </summary>
public sealed class CircuitBreakerInterceptor(ServiceCircuitBreaker breaker) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        // The inner call exists only once the breaker lets it through; headers, status and trailers wait for it.
        var started = new TaskCompletionSource<AsyncUnaryCall<TResponse>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var response = RunAsync(request, context, continuation, started);
        return new AsyncUnaryCall<TResponse>(
            response,
            HeadersAsync(started.Task),
            () => started.Task.IsCompletedSuccessfully ? started.Task.Result.GetStatus() : breaker.OpenStatus,
            () => started.Task.IsCompletedSuccessfully ? started.Task.Result.GetTrailers() : [],
            () => { if (started.Task.IsCompletedSuccessfully) started.Task.Result.Dispose(); });
    }

    private static async Task<Metadata> HeadersAsync<TResponse>(Task<AsyncUnaryCall<TResponse>> started) =>
        await (await started.ConfigureAwait(false)).ResponseHeadersAsync.ConfigureAwait(false);

    private async Task<TResponse> RunAsync<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation, TaskCompletionSource<AsyncUnaryCall<TResponse>> started)
        where TRequest : class where TResponse : class
    {
        try
        {
            return await breaker.Pipeline.ExecuteAsync(static async (state, _) =>
            {
                var call = state.continuation(state.request, state.context);
                state.started.TrySetResult(call);
                return await call.ResponseAsync.ConfigureAwait(false);
            }, (request, context, continuation, started), context.Options.CancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException)
        {
            var open = new RpcException(breaker.OpenStatus);
            started.TrySetException(open);
            throw open;
        }
        catch (Exception e) when (!started.Task.IsCompleted)
        {
            started.TrySetException(e);
            throw;
        }
    }
}

/// <summary>The circuit breaker shared by every client of one downstream service.</summary>
public sealed class ServiceCircuitBreaker
{
    private readonly CircuitBreakerStateProvider _state = new();

    public ServiceCircuitBreaker(string service, CircuitBreakerSettings settings, TimeProvider? time = null)
    {
        Service = service;
        OpenStatus = new Status(StatusCode.Unavailable, $"The circuit to '{service}' is open after repeated failures; the call was not sent.");
        var builder = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System };
        if (settings.Enabled)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = settings.FailureRatio,
                MinimumThroughput = settings.MinimumThroughput,
                SamplingDuration = settings.SamplingDuration,
                BreakDuration = settings.BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => e.StatusCode == StatusCode.Unavailable),
                StateProvider = _state,
            });
        }
        Pipeline = builder.Build();
    }

    public string Service { get; }

    /// <summary>Closed, Open, HalfOpen or Isolated.</summary>
    public CircuitState State => _state.CircuitState;

    internal ResiliencePipeline Pipeline { get; }

    internal Status OpenStatus { get; }
}
