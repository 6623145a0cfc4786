using Mesh.Payment.Idempotency;
using Mesh.Payment.V1;

namespace Mesh.Payment.Charges;

/// <summary>
/// CreatePaymentRequest validation, shared by the RPC and the <c>payment.charge_requested</c> queue task so both refuse
/// the same input with the same field names, and both fingerprint the same canonical request: a task and an earlier
/// RPC with the same key and the same figures are "the same request" (one charge, the stored outcome).
/// </summary>
public static class PaymentRequests
{
    public const long MaxAmount = 99_999_999;
    public const int MaxText = 200;

    // ISO-4217 codes this service accepts (those the provider settles).
    private static readonly HashSet<string> Currencies = ["USD", "EUR", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "JPY", "CAD", "AUD"];

    /// <summary>INVALID_ARGUMENT naming the fields, or the canonical request (id as a plain uuid, currency upper case) and its command.</summary>
    public static (CreatePaymentRequest Canonical, CreatePaymentCommand Command) Validate(CreatePaymentRequest request, string? idempotencyKey, string amountField = "amount")
    {
        UnknownFields.Reject(request);
        var currency = request.Currency.Trim().ToUpperInvariant();
        var methodOk = Guid.TryParse(request.PaymentMethodId, out var methodId);
        new FieldViolations()
            .Check("payment_method_id", methodOk ? null : "must be a payment method id (uuid)")
            .Check(amountField, request.Amount is <= 0 or > MaxAmount ? $"must be between 1 and {MaxAmount} minor units" : null)
            .Check("currency", Currencies.Contains(currency) ? null : "must be a supported ISO-4217 code (e.g. USD, EUR)")
            .MaxLength("description", request.Description, MaxText)
            .ThrowIfAny();
        var canonical = new CreatePaymentRequest
        {
            PaymentMethodId = methodId.ToString(), Amount = request.Amount, Currency = currency, Capture = request.Capture, Description = request.Description,
        };
        return (canonical, new CreatePaymentCommand(methodId, request.Amount, currency, request.Capture, request.Description, idempotencyKey));
    }

    /// <summary>The key rules of <see cref="IdempotentCalls.KeyFrom"/> for a key that did not come in metadata.</summary>
    public static bool IsValidKey(string? key) => key is { Length: > 0 and <= 255 } && key.All(c => c is >= '!' and <= '~');
}
