using Mesh.Grpc.Interceptors;
using Polly;
using Polly.Hedging;
using Polly.Retry;

namespace Mesh.ServiceDefaults.Resilience;

/// <summary>
/// The client side of resilience for one downstream service. Every call gets an effective deadline and the
/// incoming call's cancellation (<see cref="CallPropagation"/>). Unary calls to methods the proto marks
/// NO_SIDE_EFFECTS or IDEMPOTENT — or that carry an <c>idempotency-key</c> — are retried on UNAVAILABLE only,
/// with exponential back-off and jitter, within the client's <see cref="RetryBudget"/>; NO_SIDE_EFFECTS methods
/// configured for it are hedged instead. Everything else is attempted exactly once.
/// </summary>
public sealed class ResilienceInterceptor : Interceptor
{
    private readonly MethodPolicy.Cache _policies;
    private readonly RetryBudget _budget;

    public ResilienceInterceptor(GrpcResilienceOptions options, RetryBudget budget)
    {
        _policies = new MethodPolicy.Cache(options);
        _budget = budget;
    }

    public RetryBudget Budget => _budget;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var policy = _policies.For(context.Method);
        _budget.RecordCall();
        var options = CallPropagation.Apply(context.Options, policy.Deadline, out var linkedSource);
        var effective = new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options);

        if (policy.AllowsRetry(options.Headers))
        {
            var hedged = policy.Hedges && policy.SafeToRepeat;
            return ResilientUnaryCall<TRequest, TResponse>.Start(PipelineFor<TResponse>(policy, hedged), hedged, request, effective, continuation, linkedSource);
        }

        var call = continuation(request, effective);
        return linkedSource is null ? call : new AsyncUnaryCall<TResponse>(DisposeAfter(call.ResponseAsync, linkedSource), call.State);
    }

    /// <summary>Blocking calls get the deadline and propagation; retries are for the async API.</summary>
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var policy = _policies.For(context.Method);
        var options = CallPropagation.Apply(context.Options, policy.Deadline, out var linkedSource);
        using (linkedSource)
            return continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options));
    }

    // Streams are never retried (messages may already have been consumed) and get no default deadline (they may be
    // long-lived); they do inherit the incoming call's deadline and cancellation.

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, Propagated(context, out var linked));
        return linked is null ? call : new AsyncServerStreamingCall<TResponse>(call.ResponseStream, DisposingState(call.State, linked));
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(Propagated(context, out var linked));
        return linked is null ? call : new AsyncClientStreamingCall<TRequest, TResponse>(call.RequestStream, call.ResponseAsync, DisposingState(call.State, linked));
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(Propagated(context, out var linked));
        return linked is null ? call : new AsyncDuplexStreamingCall<TRequest, TResponse>(call.RequestStream, call.ResponseStream, DisposingState(call.State, linked));
    }

    private static ClientInterceptorContext<TRequest, TResponse> Propagated<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, out CancellationTokenSource? linked)
        where TRequest : class where TResponse : class =>
        new(context.Method, context.Host, CallPropagation.Apply(context.Options, defaultDeadline: null, out linked));

    private static CallState DisposingState(CallState state, CancellationTokenSource linked) =>
        new(state.ResponseHeadersAsync, state.GetStatus, state.GetTrailers, () =>
        {
            state.Dispose();
            linked.Dispose();
        });

    private static async Task<T> DisposeAfter<T>(Task<T> response, CancellationTokenSource linked)
    {
        try { return await response.ConfigureAwait(false); }
        finally { linked.Dispose(); }
    }

    private ResiliencePipeline<TResponse> PipelineFor<TResponse>(MethodPolicy policy, bool hedge)
    {
        // Kept on the policy (one per method of this client): no per-call key string or dictionary lookup.
        if (policy.Pipeline is ResiliencePipeline<TResponse> cached) return cached;
        var built = hedge ? BuildHedging<TResponse>(policy) : BuildRetry<TResponse>(policy);
        // Another thread may have stored one first (use it); a method of the same name with another response type
        // (a raw-bytes client, say) keeps the first one cached and gets its own each call.
        return Interlocked.CompareExchange(ref policy.Pipeline, built, null) as ResiliencePipeline<TResponse> ?? built;
    }

    /// <summary>The only failure worth another attempt: the call did not get through (or the server shed it).</summary>
    internal static bool IsTransient(Exception? error) => error is RpcException { StatusCode: StatusCode.Unavailable };

    private ResiliencePipeline<TResponse> BuildRetry<TResponse>(MethodPolicy policy) =>
        new ResiliencePipelineBuilder<TResponse>()
            .AddRetry(new RetryStrategyOptions<TResponse>
            {
                // Only a transient status, and only while the budget allows: the check is last so it spends budget only on real retries.
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception) && _budget.TryRetry()),
                MaxRetryAttempts = policy.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = policy.InitialBackoff,
                MaxDelay = policy.MaxBackoff,
            })
            .Build();

    private ResiliencePipeline<TResponse> BuildHedging<TResponse>(MethodPolicy policy) =>
        new ResiliencePipelineBuilder<TResponse>()
            .AddHedging(new HedgingStrategyOptions<TResponse>
            {
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception)),
                MaxHedgedAttempts = policy.MaxHedgedAttempts - 1,
                Delay = policy.HedgingDelay!.Value,
                // Every extra copy is extra load: it must fit in the same budget as retries.
                ActionGenerator = args => _budget.TryRetry() ? () => args.Callback(args.ActionContext) : null,
            })
            .Build();
}
