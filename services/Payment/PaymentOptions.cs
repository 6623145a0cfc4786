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

    public TimeSpan EffectiveKeyLifetime => IdempotencyKeyLifetime < TimeSpan.FromHours(24) ? TimeSpan.FromHours(24) : IdempotencyKeyLifetime;
}
