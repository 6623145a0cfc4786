namespace Mesh.Booking.Bookings;

/// <summary>
/// Makes sure no booking stays PENDING: every <see cref="BookingOptions.RecoveryInterval"/> it fails bookings whose
/// deadline passed (PAYMENT_TIMEOUT, places released), and for bookings pending longer than
/// <see cref="BookingOptions.ChargeTaskAfter"/> writes a <c>payment.charge_requested</c> task (repeated every
/// <see cref="BookingOptions.ChargeTaskRetry"/>) — payment answers it through the same idempotency key as the
/// synchronous charge, so the outcome comes back as a payment event without ever charging twice. Replicas can run
/// side by side: each booking is handled under its row lock and re-checked there.
/// </summary>
public sealed class PendingBookingRecovery(BookingsStore store, CheckoutSaga saga, BookingOptions options, TimeProvider time, ILogger<PendingBookingRecovery> logger) : BackgroundService
{
    private const int Batch = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.RecoveryInterval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Recovering pending bookings failed; the next round tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One round: overdue bookings fail, long-pending ones get a charge task.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var id in await store.ListOverdueAsync(now, Batch, cancellationToken))
        {
            var failed = await saga.ExpireAsync(id, cancellationToken);
            if (failed?.Status == BookingStates.Failed) logger.LogWarning("Booking {BookingId} timed out waiting for payment; its places are free again", id);
        }
        foreach (var id in await store.ListChargeDueAsync(now - options.ChargeTaskAfter, now - options.ChargeTaskRetry, Batch, cancellationToken))
            await saga.RequestChargeAsync(id, cancellationToken);
    }
}
