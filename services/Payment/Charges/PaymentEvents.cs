using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Payment.Charges;

/// <summary>
/// Events this service announces through the outbox (routing key = type). JSON bodies, PascalCase names.
/// <c>IdempotencyKey</c> is the key the payment was created under (null when it had none), so a caller that asked by
/// key (an RPC, or a <c>payment.charge_requested</c> task) can match the outcome to its request. An outcome may be
/// announced more than once (a replayed task re-announces it): consumers dedupe by state.
/// <c>PaymentFailed.PaymentId</c> is <see cref="Guid.Empty"/> when a charge task was refused before any payment existed
/// (FailureCode "invalid_request" or "payment_method_not_found").
/// <c>payment_method.saved</c> carries the card's keyed fingerprint (never its number), in the same transaction as the
/// saved card: referral keeps it to refuse rewards between a referrer and an invitee who share a card.
/// </summary>
public static class PaymentEvents
{
    public const string SucceededType = "payment.succeeded";
    public const string FailedType = "payment.failed";
    public const string RefundSucceededType = "payment.refund_succeeded";
    public const string PaymentMethodSavedType = "payment_method.saved";

    public sealed record PaymentSucceeded(Guid PaymentId, Guid UserId, long Amount, string Currency, string? IdempotencyKey);
    public sealed record PaymentFailed(Guid PaymentId, Guid UserId, long Amount, string Currency, string FailureCode, string? IdempotencyKey);
    public sealed record RefundSucceeded(Guid RefundId, Guid PaymentId, Guid UserId, long Amount, string Currency);
    public sealed record PaymentMethodSaved(Guid PaymentMethodId, Guid UserId, string CardFingerprint);

    public static OutboxMessage For(PaymentRecord p) => p.Status == PaymentStates.Failed
        ? OutboxMessage.Json(FailedType, new PaymentFailed(p.Id, p.UserId, p.Amount, p.Currency, p.FailureCode, p.IdempotencyKey))
        : OutboxMessage.Json(SucceededType, new PaymentSucceeded(p.Id, p.UserId, p.Amount, p.Currency, p.IdempotencyKey));

    public static OutboxMessage For(RefundRecord r, Guid userId) =>
        OutboxMessage.Json(RefundSucceededType, new RefundSucceeded(r.Id, r.PaymentId, userId, r.Amount, r.Currency));

    public static OutboxMessage For(PaymentMethodRecord m) =>
        OutboxMessage.Json(PaymentMethodSavedType, new PaymentMethodSaved(m.Id, m.UserId, m.CardFingerprint!));
}
