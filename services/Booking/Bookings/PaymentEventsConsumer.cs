using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Booking.Bookings;

/// <summary>
/// Reads payment's events (queue <c>booking.payment-events</c>, deduplicated by message id in mesh_inbox) and settles
/// the booking whose id is the payment's idempotency key, in the inbox transaction: payment.succeeded confirms a
/// PENDING booking (or refunds a payment for a booking that already failed), payment.failed fails it. Events of
/// other payments (no key, another user, not a booking) are acknowledged and ignored. Runs only when
/// ConnectionStrings:messaging is set.
/// </summary>
public sealed class PaymentEventsConsumer(NpgsqlDataSource db, CheckoutSaga saga, IConfiguration configuration, ILogger<PaymentEventsConsumer> logger)
    : InboxConsumerService(db, configuration, logger)
{
    public const string Queue = "booking.payment-events";

    protected override InboxConsumerOptions Options => new() { Queue = Queue, Bindings = [BookingMessages.PaymentSucceededType, BookingMessages.PaymentFailedType] };

    protected override async Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var payment = message.Json<BookingMessages.PaymentOutcome>();
        if (!Guid.TryParse(payment.IdempotencyKey, out var bookingId)) return;
        // PaymentId is empty when payment refused the task before any payment existed (e.g. an unknown card).
        Guid? paymentId = payment.PaymentId == Guid.Empty ? null : payment.PaymentId;
        ChargeOutcome outcome = message.Type == BookingMessages.PaymentSucceededType
            ? new ChargeOutcome.Paid(payment.PaymentId, payment.Amount, payment.Currency)
            : new ChargeOutcome.Refused(payment.FailureCode is { Length: > 0 } code ? code.ToUpperInvariant() : "PAYMENT_FAILED", paymentId);
        // Another user's key that happens to name a booking is not this booking's payment.
        var current = await BookingsStore.LockAsync(transaction, bookingId);
        if (current is null || current.UserId != payment.UserId.ToString()) return;
        // The usual case: the checkout's own TX2 already confirmed the booking with this very payment. Nothing to change.
        if (current.Status == BookingStates.Confirmed && outcome is ChargeOutcome.Paid && current.PaymentId == payment.PaymentId) return;
        var settled = await saga.SettleAsync(transaction, bookingId, outcome);
        logger.LogInformation("Payment event {Type} for booking {BookingId}: now {Status}", message.Type, bookingId, settled?.Status);
    }
}
