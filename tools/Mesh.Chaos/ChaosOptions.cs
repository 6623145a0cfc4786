namespace Mesh.Chaos;

/// <summary>What one chaos run does: how long and how hard the workload runs, which faults it injects, and the bounds it settles within.</summary>
public sealed record ChaosOptions
{
    /// <summary>Seconds of sustained workload (after the ramp).</summary>
    public int DurationSeconds { get; init; } = 180;
    public int RampSeconds { get; init; } = 20;
    /// <summary>New virtual users per second during the sustained phase.</summary>
    public int Rate { get; init; } = 4;
    public int MaxVirtualUsers { get; init; } = 40;
    /// <summary>
    /// How many customers the workload signs up first and its virtual users act as. Ten per arrival per second by
    /// default: with fewer, each books so often that the fraud rules rightly block them (velocity, seat hoarding).
    /// </summary>
    public int? Customers { get; init; }
    /// <summary>Faults in the order they are injected, spread evenly over the workload.</summary>
    public IReadOnlyList<FaultKind> Faults { get; init; } = [FaultKind.KillService, FaultKind.RestartBroker, FaultKind.RestartDatabase, FaultKind.PauseService];
    /// <summary>How long a paused service stays stopped: past its callers' deadline (Mesh:Resilience:Deadline, 10 s).</summary>
    public TimeSpan PauseFor { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>After the workload: how long the mesh may take to reach its resting state (pending bookings settled, outboxes sent).</summary>
    public TimeSpan SettleWithin { get; init; } = TimeSpan.FromMinutes(4);
    /// <summary>A test-only planted fault (Mesh:Chaos:SkipOutboxType): the first outbox message of this type is never written.</summary>
    public string? SkipOutboxType { get; init; }
    /// <summary>The share of the workload's bookings that are then cancelled (0.25, as people do; 1 makes every booking ask for a refund).</summary>
    public double CancelShare { get; init; } = 0.25;
    /// <summary>Booking's replicas (a killed replica leaves the other serving).</summary>
    public int BookingReplicas { get; init; } = 2;
    /// <summary>How long the settled mesh is watched after the workload, for each resource's idle CPU (the costs).</summary>
    public TimeSpan IdleSample { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Where the report lines go as they happen.</summary>
    public Action<string> Log { get; init; } = Console.WriteLine;
    public int? Seed { get; init; }
}

public enum FaultKind { KillService, RestartBroker, RestartDatabase, PauseService }
