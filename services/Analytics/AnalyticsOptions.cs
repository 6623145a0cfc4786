namespace Mesh.Analytics;

/// <summary><c>Analytics</c> configuration; every default is the production value.</summary>
public sealed class AnalyticsOptions
{
    public const string SectionName = "Analytics";

    /// <summary>Connection string names (ConnectionStrings:{name}).</summary>
    public string Database { get; set; } = "analyticsdb";
    public string Redis { get; set; } = "cache";
    public string Messaging { get; set; } = "messaging";

    /// <summary>Prefix of every Redis key this service writes (several services share one Redis).</summary>
    public string RedisKeyPrefix { get; set; } = "analytics:";

    /// <summary>The RabbitMQ stream every event goes to (clients' batches and the business events bound from mesh.events).</summary>
    public string Stream { get; set; } = "analytics.events";

    /// <summary>How long the broker keeps the stream's segments (x-max-age): the furthest back a consumer can replay.</summary>
    public string StreamMaxAge { get; set; } = "7D";

    /// <summary>How often the ids of counted events older than the stream's age are deleted (Aggregation/ClaimPruning.cs).</summary>
    public TimeSpan ClaimPruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>An event's time may be at most this far in the future (clients' clocks drift).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>An event older than this is refused at ingestion (no aggregate looks that far back).</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Events one signed-in user or one anonymous device may send per minute over the edge.</summary>
    public int EventsPerMinute { get; set; } = 6000;

    /// <summary>Stream messages the consumer takes into one PostgreSQL transaction at most.</summary>
    public int ConsumerBatchSize { get; set; } = 200;

    /// <summary>Events kept per user for GetUserHistory (older ones are deleted as new ones arrive).</summary>
    public int HistoryPerUser { get; set; } = 500;

    public RiskOptions Risk { get; set; } = new();
}

/// <summary>The thresholds of the fraud and bot rules (Risk/RiskRules.cs); counts are per window and per user, IP, device or card.</summary>
public sealed class RiskOptions
{
    /// <summary>The window of the velocity rules.</summary>
    public TimeSpan VelocityWindow { get; set; } = TimeSpan.FromMinutes(10);
    public int SignInsPerWindow { get; set; } = 20;
    public int HoldsPerWindow { get; set; } = 30;
    public int CheckoutsPerWindow { get; set; } = 20;
    public int PaymentsPerWindow { get; set; } = 10;

    /// <summary>Card testing: declined payments of one user, or distinct cards tried by one user/IP/device, within the window.</summary>
    public TimeSpan CardTestingWindow { get; set; } = TimeSpan.FromHours(1);
    public int DeclinesToBlock { get; set; } = 5;
    public int CardsToBlock { get; set; } = 4;

    /// <summary>Seat hoarding: holds of one user that expired without a checkout, within the window.</summary>
    public TimeSpan HoardingWindow { get; set; } = TimeSpan.FromHours(6);
    public int ExpiredHoldsToBlock { get; set; } = 5;

    /// <summary>Bot cadence: at least this many recent attempts whose intervals vary by less than the ratio (a script's timer).</summary>
    public int CadenceSamples { get; set; } = 8;
    public double CadenceMaxVariation { get; set; } = 0.1;
}
