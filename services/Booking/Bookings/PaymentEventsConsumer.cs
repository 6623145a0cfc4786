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
public sealed class PaymentEventsConsumer(NpgsqlDataSource db, CheckoutSaga saga, IConfiguration configuration, ILogger<PaymentEventsConsumer> logger) : BackgroundService
{
    public const string Queue = "booking.payment-events";

    private InboxConsumer? _consumer;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration.GetConnectionString("messaging") is not { Length: > 0 } broker) return;
        // The broker may not be up yet (or may be restarting): keep trying; the events wait in payment's outbox.
        for (var delay = TimeSpan.FromMilliseconds(200); !stoppingToken.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks)))
        {
            try
            {
                _consumer = new InboxConsumer(db, new InboxConsumerOptions
                {
                    ConnectionString = broker, Queue = Queue, Bindings = [BookingMessages.PaymentSucceededType, BookingMessages.PaymentFailedType],
                }, logger);
                await _consumer.StartAsync(HandleAsync, stoppingToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Cannot consume payment events yet; retrying in {Delay}", delay);
                if (_consumer is not null) await _consumer.DisposeAsync();
                _consumer = null;
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    private async Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
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
        var settled = await saga.SettleAsync(transaction, bookingId, outcome);
        logger.LogInformation("Payment event {Type} for booking {BookingId}: now {Status}", message.Type, bookingId, settled?.Status);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_consumer is not null) await _consumer.DisposeAsync();
    }
}
