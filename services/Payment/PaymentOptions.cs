namespace Mesh.Payment;

/// <summary><c>Payment</c> configuration; every default is the production value.</summary>
public sealed class PaymentOptions
{
    public const string SectionName = "Payment";

    /// <summary>Connection string name (ConnectionStrings:{name}).</summary>
    public string Database { get; set; } = "paymentdb";

    /// <summary>How long an idempotency key is remembered; never less than 24 hours.</summary>
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often PROCESSING payments are looked up at the provider, and expired keys purged.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a REQUIRES_ACTION payment waits for its confirmation before it fails.</summary>
    public TimeSpan ActionTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long before a subscription renews its user is told ("subscription_renewing"; once per period).</summary>
    public TimeSpan RenewalNoticeBefore { get; set; } = TimeSpan.FromDays(3);

    /// <summary>A recurring charge task still not done this long after it was enqueued is enqueued again (a lost message).</summary>
    public TimeSpan ChargeTaskRedeliverAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Provider charges younger than this are not yet expected to have a payment row (the request may still be committing).</summary>
    public TimeSpan ReconciliationGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The secret card fingerprints are keyed with (HMAC-SHA256, Provider/CardFingerprints.cs). The default is a
    /// development key, the one exception to "defaults are production values": a deployment sets its own secret
    /// (Payment__CardFingerprintKey) and never changes it, since fingerprints made under another key match nothing.
    /// </summary>
    public string CardFingerprintKey { get; set; } = DevelopmentCardFingerprintKey;

    public const string DevelopmentCardFingerprintKey = "mesh-development-card-fingerprint-key";

    public TimeSpan EffectiveKeyLifetime => IdempotencyKeyLifetime < TimeSpan.FromHours(24) ? TimeSpan.FromHours(24) : IdempotencyKeyLifetime;

    /// <summary>How long a new payment waits for the analytics service's CheckRisk before going ahead unchecked (fail open).</summary>
    public TimeSpan RiskCheckTimeout { get; set; } = TimeSpan.FromMilliseconds(100);
}
