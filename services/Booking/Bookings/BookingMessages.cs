using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Booking.Bookings;

/// <summary>
/// What booking writes to its outbox (type = routing key on mesh.events) and what it reads from payment. Bodies are
/// JSON with PascalCase names, like payment's.
/// </summary>
public static class BookingMessages
{
    public const string ConfirmedType = "booking.confirmed";
    public const string CancelledType = "booking.cancelled";
    public const string FailedType = "booking.failed";

    /// <summary>A task for payment: charge a pending booking through the same idempotency path as CreatePayment.</summary>
    public const string ChargeRequestedType = "payment.charge_requested";

    /// <summary>A task for payment: refund (services/Payment/Workers/RefundTasks.cs; the message id becomes the refund id).</summary>
    public const string RefundRequestedType = "payment.refund_requested";

    /// <summary>
    /// Payment's task queues (services/Payment/Workers/ChargeTasks.cs and RefundTasks.cs), declared by booking's
    /// relay too: a refund or charge task sent before payment ever started waits in its queue instead of being lost.
    /// </summary>
    public static readonly Dictionary<string, string[]> PaymentTaskQueues = new()
    {
        ["payment.charge-tasks"] = [ChargeRequestedType],
        ["payment.refund-tasks"] = [RefundRequestedType],
    };

    public const string PaymentSucceededType = "payment.succeeded";
    public const string PaymentFailedType = "payment.failed";

    public sealed record BookingConfirmed(Guid BookingId, string UserId, Guid HoldId, Guid? ShowId, Guid? ServiceId, DateTime StartsAt,
        long Amount, string Currency, Guid? PaymentId, int Tickets);

    public sealed record BookingCancelled(Guid BookingId, string UserId, Guid HoldId, long RefundAmount, string Currency, string Reason);

    public sealed record BookingFailed(Guid BookingId, string UserId, Guid HoldId, string Reason);

    public sealed record ChargeRequested(Guid UserId, Guid PaymentMethodId, long Amount, string Currency, string Description, string IdempotencyKey, bool Capture);

    public sealed record RefundRequested(Guid PaymentId, Guid UserId, long Amount, string Reason);

    /// <summary>payment.succeeded / payment.failed as booking reads them (FailureCode only on failed; IdempotencyKey when the charge had one).</summary>
    public sealed record PaymentOutcome(Guid PaymentId, Guid UserId, long Amount, string Currency, string? FailureCode, string? IdempotencyKey);

    public static OutboxMessage Confirmed(BookingRow b, int tickets) =>
        OutboxMessage.Json(ConfirmedType, new BookingConfirmed(b.Id, b.UserId, b.HoldId, b.ShowId, b.ServiceId, b.StartsAt, b.AmountMinor, b.Currency, b.PaymentId, tickets));

    public static OutboxMessage Cancelled(BookingRow b) =>
        OutboxMessage.Json(CancelledType, new BookingCancelled(b.Id, b.UserId, b.HoldId, b.RefundMinor, b.Currency, b.CancelReason ?? ""));

    public static OutboxMessage Failed(BookingRow b) =>
        OutboxMessage.Json(FailedType, new BookingFailed(b.Id, b.UserId, b.HoldId, b.FailureReason ?? ""));

    public static OutboxMessage ChargeTask(BookingRow b) =>
        OutboxMessage.Json(ChargeRequestedType, new ChargeRequested(Guid.Parse(b.UserId), b.PaymentMethodId, b.AmountMinor, b.Currency,
            b.PaymentDescription, b.Id.ToString(), Capture: true));

    /// <summary>The refund task; its message id is <paramref name="taskId"/>, which payment uses as the refund id.</summary>
    public static OutboxMessage RefundTask(Guid taskId, Guid paymentId, string userId, long amount, string reason) =>
        OutboxMessage.Json(RefundRequestedType, new RefundRequested(paymentId, Guid.Parse(userId), amount, reason)) with { Id = taskId };
}
