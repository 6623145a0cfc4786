namespace Mesh.Payment.Provider;

/// <summary>A card as the provider returns it after tokenisation: all this service ever stores.</summary>
public sealed record CardToken(string Token, string Brand, string Last4, int ExpMonth, int ExpYear);

/// <summary>What the provider says about a charge.</summary>
public enum ChargeState { Authorized, Captured, Declined, Voided, Unknown, RequiresAction }

/// <summary>
/// A charge's outcome; <see cref="DeclineCode"/> is set when declined ("card_declined", "insufficient_funds");
/// <see cref="Net"/> (lookups only) is what the provider holds: captured minus refunded.
/// </summary>
public sealed record ChargeResult(ChargeState State, string DeclineCode = "", long Net = 0);

/// <summary>A charge as the provider lists it (reconciliation looks for charges nobody recorded).</summary>
public sealed record ProviderCharge(string Reference, ChargeState State, long Amount, long Net, DateTimeOffset CreateTime);

/// <summary>The provider did not answer in time: the charge may or may not have happened. Look it up later.</summary>
public sealed class ProviderTimeoutException(string reference) : Exception($"The payment provider did not answer for charge {reference}.")
{
    public string Reference { get; } = reference;
}

/// <summary>The card details were refused at tokenisation (bad number, expired, bad CVC).</summary>
public sealed class CardRejectedException(string field, string problem) : Exception($"{field} {problem}")
{
    public string Field { get; } = field;
    public string Problem { get; } = problem;
}

/// <summary>
/// The payment provider boundary. Every charge carries OUR reference (the payment id), which the provider uses as its
/// own idempotency key: asking twice never charges twice, and a lost answer can be looked up by reference.
/// </summary>
public interface IPaymentProvider
{
    Task<CardToken> TokenizeAsync(string cardNumber, int expMonth, int expYear, string cvc, CancellationToken cancellationToken);

    /// <summary>Authorizes (and with <paramref name="capture"/> also captures) <paramref name="amount"/> on a token.</summary>
    Task<ChargeResult> AuthorizeAsync(string reference, string token, long amount, string currency, bool capture, CancellationToken cancellationToken);

    Task<ChargeResult> CaptureAsync(string reference, CancellationToken cancellationToken);

    Task<ChargeResult> VoidAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Refunds part of a captured charge; <paramref name="refundReference"/> dedupes the refund itself.</summary>
    Task RefundAsync(string reference, string refundReference, long amount, CancellationToken cancellationToken);

    /// <summary>
    /// Completes a charge that answered <see cref="ChargeState.RequiresAction"/> with the code the cardholder entered
    /// (simulated 3-D Secure): captured or authorized as first asked, or declined ("authentication_failed").
    /// </summary>
    Task<ChargeResult> ConfirmAsync(string reference, string authenticationCode, CancellationToken cancellationToken);

    /// <summary>Charges created before <paramref name="createdBefore"/>, newest first (at most <paramref name="limit"/>).</summary>
    Task<IReadOnlyList<ProviderCharge>> ListChargesAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken);

    /// <summary>The provider's record of a charge (<see cref="ChargeState.Unknown"/> when it never saw it).</summary>
    Task<ChargeResult> LookupAsync(string reference, CancellationToken cancellationToken);
}
