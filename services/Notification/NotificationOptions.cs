namespace Mesh.Notification;

/// <summary>Settings under <c>Notification</c>.</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Notification";

    /// <summary>ConnectionStrings:{Database} — notificationdb.</summary>
    public string Database { get; set; } = "notificationdb";

    /// <summary>Run the delivery and reminder rounds in the background (tests run them by hand, on their own clock).</summary>
    public bool RunWorkers { get; set; } = true;

    /// <summary>Time between rounds when a round found nothing to do.</summary>
    public TimeSpan WorkerInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries claimed per round.</summary>
    public int DeliveryBatch { get; set; } = 50;

    /// <summary>Attempts of one email or SMS before it is dead (listed and replayable).</summary>
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Users per broadcast batch (one message on the broadcast work queue).</summary>
    public int BroadcastBatchSize { get; set; } = 500;

    /// <summary>How long before a show its reminder is due.</summary>
    public TimeSpan ReminderLead { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The sandbox provider refuses every send (tests of retries and dead letters; never in production).</summary>
    public bool SandboxFails { get; set; }
}
