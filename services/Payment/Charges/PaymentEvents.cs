using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Payment.Charges;

/// <summary>Events this service announces through the outbox (routing key = type). JSON bodies, camelCase-free names.</summary>
public static class PaymentEvents
{
    public const string SucceededType = "payment.succeeded";
    public const string FailedType = "payment.failed";
    public const string RefundSucceededType = "payment.refund_succeeded";

    public sealed record PaymentSucceeded(Guid PaymentId, Guid UserId, long Amount, string Currency);
    public sealed record PaymentFailed(Guid PaymentId, Guid UserId, long Amount, string Currency, string FailureCode);
    public sealed record RefundSucceeded(Guid RefundId, Guid PaymentId, Guid UserId, long Amount, string Currency);

    public static OutboxMessage For(PaymentRecord p) => p.Status == PaymentStates.Failed
        ? OutboxMessage.Json(FailedType, new PaymentFailed(p.Id, p.UserId, p.Amount, p.Currency, p.FailureCode))
        : OutboxMessage.Json(SucceededType, new PaymentSucceeded(p.Id, p.UserId, p.Amount, p.Currency));

    public static OutboxMessage For(RefundRecord r, Guid userId) =>
        OutboxMessage.Json(RefundSucceededType, new RefundSucceeded(r.Id, r.PaymentId, userId, r.Amount, r.Currency));
}
