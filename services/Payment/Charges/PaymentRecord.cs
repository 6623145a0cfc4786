namespace Mesh.Payment.Charges;

/// <summary>Payment states as stored (lower case in the database, enum values in the contract).</summary>
public static class PaymentStates
{
    /// <summary>Waits for the cardholder's second step (3-D Secure) until <see cref="PaymentRecord.ActionExpireTime"/>.</summary>
    public const string RequiresAction = "requires_action";
    public const string RequiresCapture = "requires_capture";
    public const string Processing = "processing";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
}

/// <summary>A payment as stored.</summary>
public sealed class PaymentRecord
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public Guid PaymentMethodId { get; set; }
    public long Amount { get; set; }
    public string Currency { get; set; } = "";
    public string Status { get; set; } = PaymentStates.Processing;
    public bool CaptureRequested { get; set; }
    public long AmountCaptured { get; set; }
    public long AmountRefunded { get; set; }
    public string FailureCode { get; set; } = "";
    public string Description { get; set; } = "";
    public DateTime CreateTime { get; set; }
    public DateTime UpdateTime { get; set; }
    /// <summary>The idempotency key it was created under (null: none); events carry it.</summary>
    public string? IdempotencyKey { get; set; }
    /// <summary>When REQUIRES_ACTION turns FAILED if not confirmed.</summary>
    public DateTime? ActionExpireTime { get; set; }

    public long Refundable => AmountCaptured - AmountRefunded;
}

/// <summary>A saved card (token only).</summary>
public sealed class PaymentMethodRecord
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public string ProviderToken { get; set; } = "";
    public string Brand { get; set; } = "";
    public string Last4 { get; set; } = "";
    public int ExpMonth { get; set; }
    public int ExpYear { get; set; }
    public DateTime CreateTime { get; set; }

    /// <summary>HMAC-SHA256 of the card number under the payment-side key (null for cards saved before fingerprints existed).</summary>
    public string? CardFingerprint { get; set; }
}

public sealed class RefundRecord
{
    public Guid Id { get; set; }
    public Guid PaymentId { get; set; }
    public long Amount { get; set; }
    public string Currency { get; set; } = "";
    public string Reason { get; set; } = "";
    public DateTime CreateTime { get; set; }
}
