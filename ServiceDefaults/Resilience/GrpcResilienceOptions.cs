namespace Mesh.ServiceDefaults.Resilience;

/// <summary>
/// How outgoing gRPC calls of one client are protected. Bound from configuration section
/// <c>Mesh:Resilience</c> (every client) and adjustable per client with <c>AddGrpcClient&lt;T&gt;(name, configure)</c>.
/// Whether a method may be retried comes from its proto <c>idempotency_level</c>, never from this file:
/// configuration can tune or switch off retries, not declare a method safe to repeat.
/// </summary>
public sealed class GrpcResilienceOptions
{
    public const string SectionName = "Mesh:Resilience";

    /// <summary>What every method gets unless <see cref="Methods"/> says otherwise.</summary>
    public MethodResilienceSettings Default { get; set; } = new()
    {
        Deadline = TimeSpan.FromSeconds(10),
        MaxAttempts = 3,
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(2),
        Retry = true,
        Hedging = false,
        HedgingDelay = TimeSpan.FromMilliseconds(100),
        MaxHedgedAttempts = 2,
    };

    /// <summary>
    /// Overrides by "package.Service" (every method of the service) or "package.Service/Method" (one method;
    /// wins over the service entry). Unset fields fall through to the next level.
    /// </summary>
    public Dictionary<string, MethodResilienceSettings> Methods { get; set; } = new(StringComparer.Ordinal);

    public RetryBudgetOptions RetryBudget { get; set; } = new();

    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>The clock of breakers and the retry budget (tests pass a manual one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>One level of per-method settings; null means "inherit".</summary>
public sealed class MethodResilienceSettings
{
    /// <summary>Deadline given to unary calls that set none (a propagated incoming deadline can only shorten it).</summary>
    public TimeSpan? Deadline { get; set; }

    /// <summary>Attempts in all, the first included (1 = never retry).</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>Back-off before the first retry; doubles each time, with jitter, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan? InitialBackoff { get; set; }

    public TimeSpan? MaxBackoff { get; set; }

    /// <summary>False switches retries off. True does not make a method with side effects retryable.</summary>
    public bool? Retry { get; set; }

    /// <summary>Send a second copy of a NO_SIDE_EFFECTS call when the first is slower than <see cref="HedgingDelay"/>.</summary>
    public bool? Hedging { get; set; }

    public TimeSpan? HedgingDelay { get; set; }

    /// <summary>Copies in flight at most when hedging, the first included.</summary>
    public int? MaxHedgedAttempts { get; set; }

    internal MethodResilienceSettings Over(MethodResilienceSettings fallback) => new()
    {
        Deadline = Deadline ?? fallback.Deadline,
        MaxAttempts = MaxAttempts ?? fallback.MaxAttempts,
        InitialBackoff = InitialBackoff ?? fallback.InitialBackoff,
        MaxBackoff = MaxBackoff ?? fallback.MaxBackoff,
        Retry = Retry ?? fallback.Retry,
        Hedging = Hedging ?? fallback.Hedging,
        HedgingDelay = HedgingDelay ?? fallback.HedgingDelay,
        MaxHedgedAttempts = MaxHedgedAttempts ?? fallback.MaxHedgedAttempts,
    };
}

/// <summary>
/// Retries may add at most <see cref="Ratio"/> of the calls made over the last <see cref="Window"/>, plus
/// <see cref="MinRetries"/> so a quiet client can still retry a rare failure. During an outage this keeps a
/// client's load near 1.1× instead of MaxAttempts×.
/// </summary>
public sealed class RetryBudgetOptions
{
    public double Ratio { get; set; } = 0.1;
    public int MinRetries { get; set; } = 10;
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Per-endpoint breaker: after <see cref="FailureThreshold"/> consecutive failures (UNAVAILABLE or a broken
/// connection; a refused connection counts as many) the endpoint is ejected for <see cref="BreakDuration"/>,
/// doubled after each failed probe up to <see cref="MaxBreakDuration"/>. Then one probe call is let through:
/// success closes the breaker, failure opens it again.
/// </summary>
public sealed class CircuitBreakerOptions
{
    public bool Enabled { get; set; } = true;
    public int FailureThreshold { get; set; } = 5;
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxBreakDuration { get; set; } = TimeSpan.FromMinutes(1);
}
