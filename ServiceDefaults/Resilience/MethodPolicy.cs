using System.Collections.Concurrent;

namespace Mesh.ServiceDefaults.Resilience;

/// <summary>The resilience settings that apply to one method, resolved once from its descriptor and the options.</summary>
internal sealed class MethodPolicy
{
    /// <summary>A call carrying this header may be retried whatever the method: the server dedupes by it.</summary>
    public const string IdempotencyKeyHeader = "idempotency-key";

    private MethodPolicy(IMethod method, MethodResilienceSettings s)
    {
        Method = method;
        Deadline = s.Deadline;
        MaxAttempts = Math.Max(1, s.MaxAttempts ?? 1);
        InitialBackoff = s.InitialBackoff ?? TimeSpan.FromMilliseconds(100);
        MaxBackoff = s.MaxBackoff ?? TimeSpan.FromSeconds(2);
        RetryEnabled = s.Retry != false && MaxAttempts > 1;
        var repeatable = method.IdempotencyLevel is IdempotencyLevel.NoSideEffects or IdempotencyLevel.Idempotent;
        SafeToRepeat = repeatable;
        // Hedging sends copies concurrently, so only reads qualify (two concurrent idempotent writes can interleave).
        HedgingDelay = s.Hedging == true && method.IdempotencyLevel == IdempotencyLevel.NoSideEffects
            ? s.HedgingDelay ?? TimeSpan.FromMilliseconds(100)
            : null;
        MaxHedgedAttempts = Math.Max(2, s.MaxHedgedAttempts ?? 2);
    }

    public IMethod Method { get; }
    public TimeSpan? Deadline { get; }
    public int MaxAttempts { get; }
    public TimeSpan InitialBackoff { get; }
    public TimeSpan MaxBackoff { get; }
    public bool RetryEnabled { get; }
    public bool SafeToRepeat { get; }
    public TimeSpan? HedgingDelay { get; }
    public int MaxHedgedAttempts { get; }

    /// <summary>
    /// The Polly pipeline of this method (a <c>ResiliencePipeline&lt;TResponse&gt;</c>), built on first use by the
    /// client's ResilienceInterceptor, which owns this policy.
    /// </summary>
    internal object? Pipeline;

    /// <summary>Hedge this call (only NO_SIDE_EFFECTS unary methods configured for it).</summary>
    public bool Hedges => HedgingDelay is not null && RetryEnabled && Method.Type == MethodType.Unary;

    /// <summary>Whether this call may be attempted again after UNAVAILABLE.</summary>
    public bool AllowsRetry(Metadata? headers) =>
        RetryEnabled && Method.Type == MethodType.Unary && (SafeToRepeat || HasIdempotencyKey(headers));

    private static bool HasIdempotencyKey(Metadata? headers) => headers?.Get(IdempotencyKeyHeader) is not null;

    /// <summary>Policies per method of one client, cached by full name.</summary>
    internal sealed class Cache(GrpcResilienceOptions options)
    {
        private readonly ConcurrentDictionary<string, MethodPolicy> _policies = new(StringComparer.Ordinal);

        public MethodPolicy For(IMethod method) =>
            _policies.GetOrAdd(method.FullName, static (_, state) => Resolve(state.method, state.options), (method, options));

        private static MethodPolicy Resolve(IMethod method, GrpcResilienceOptions options)
        {
            var settings = options.Default;
            if (options.Methods.TryGetValue(method.ServiceName, out var service)) settings = service.Over(settings);
            if (options.Methods.TryGetValue(method.ServiceName + "/" + method.Name, out var exact)) settings = exact.Over(settings);
            return new MethodPolicy(method, settings);
        }
    }
}
