namespace Mesh.ServiceDefaults.Clients;

/// <summary>
/// How calls to one downstream service behave: <c>Mesh:Resilience</c> for every client, adjusted per client by
/// <c>AddServiceClient&lt;T&gt;("name", o => …)</c>. Which methods may be retried is never configured here: the
/// contract's <c>idempotency_level</c> decides (<see cref="RetryServiceConfig"/>).
/// </summary>
public sealed class ServiceClientOptions
{
    public const string SectionName = "Mesh:Resilience";

    /// <summary>Deadline of a unary call that has none of its own nor one propagated from the call being served.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts in all (first + retries) of a NO_SIDE_EFFECTS or IDEMPOTENT method after UNAVAILABLE; 1 switches retries off.</summary>
    public int MaxAttempts { get; set; } = 3;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(2);
    public double BackoffMultiplier { get; set; } = 2;

    /// <summary>gRPC retry throttling, the retry budget: a failure costs a token, a success earns <see cref="RetryTokenRatio"/>;
    /// retries stop while fewer than half of <see cref="RetryMaxTokens"/> are left.</summary>
    public int RetryMaxTokens { get; set; } = 10;

    public double RetryTokenRatio { get; set; } = 0.1;

    public CircuitBreakerSettings CircuitBreaker { get; set; } = new();
}

/// <summary>One breaker per downstream service (Polly): it opens when failures dominate a sampling window and then
/// fails calls fast with UNAVAILABLE without sending them; after <see cref="BreakDuration"/> one trial call decides.</summary>
public sealed class CircuitBreakerSettings
{
    public bool Enabled { get; set; } = true;
    public double FailureRatio { get; set; } = 0.5;
    public int MinimumThroughput { get; set; } = 5;
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}
