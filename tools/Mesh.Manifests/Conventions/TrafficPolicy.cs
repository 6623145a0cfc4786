namespace Mesh.Manifests.Conventions;

/// <summary>The numbers of the Istio traffic policies, in one place so docs/deploy.md can explain them.</summary>
public static class TrafficPolicy
{
    /// <summary>
    /// A unary call's route timeout: a backstop above the callers' own 10 s deadline (ServiceDefaults'
    /// Mesh:Resilience:Deadline), so the caller's deadline is what normally ends a call and Envoy's only ends a runaway.
    /// </summary>
    public const string UnaryTimeout = "15s";

    /// <summary>Streams (server streaming gRPC, REST's Server-Sent Events) last as long as what they watch: no route timeout.</summary>
    public const string NoTimeout = "0s";

    /// <summary>Retries of an idempotent method: two more tries, each within the unary deadline's share.</summary>
    public const int RetryAttempts = 2;
    public const string PerTryTimeout = "5s";

    /// <summary>
    /// What is worth another try: the request never reached the application (connect failure, refused or reset
    /// stream) or the application said UNAVAILABLE, the only status ServiceDefaults' own retry policy treats as transient.
    /// </summary>
    public const string RetryOn = "connect-failure,refused-stream,reset,unavailable";

    /// <summary>
    /// Outlier detection: a replica that fails five calls in a row (gRPC UNAVAILABLE, INTERNAL, … count as 5xx) leaves
    /// the load-balancing pool for 30 s, doubling each time; at most half of a service's replicas are ever ejected.
    /// </summary>
    public const int Consecutive5xxErrors = 5;
    public const string OutlierInterval = "10s";
    public const string BaseEjectionTime = "30s";
    public const int MaxEjectionPercent = 50;

    /// <summary>Connection pools: bounds that shed load before a replica drowns, not limits a healthy service meets.</summary>
    public const int MaxConnections = 1024;
    public const string ConnectTimeout = "3s";
    public const int Http2MaxRequests = 4096;
    public const int Http1MaxPendingRequests = 1024;
    public const string IdleTimeout = "300s";

    /// <summary>The share of requests Istio traces, as ServiceDefaults samples outside Development (decision 0007).</summary>
    public const double TraceSamplingPercent = 10;
}
