using Mesh.Payment.Charges;
using Mesh.Payment.Subscriptions;

namespace Mesh.Payment.Workers;

/// <summary>
/// Periodic housekeeping: settles PROCESSING payments from the provider's records (a lost answer becomes succeeded or
/// failed, never a second charge — and the subscription or instalment plan waiting for it then renews, retries or
/// activates, <see cref="SubscriptionBilling.SettleAsync"/>), fails REQUIRES_ACTION payments nobody confirmed in time, schedules due recurring
/// charges (renewals, instalments and their dunning retries) as queue tasks (<see cref="SubscriptionBilling.EnqueueDueAsync"/>; the
/// charging itself is <see cref="RecurringCharges"/>'s), tells users of renewals ahead (<see cref="SubscriptionBilling.NoticeRenewalsAsync"/>) and forgets idempotency keys past their lifetime (≥ 24 h).
/// </summary>
public sealed class PaymentMaintenance(PaymentStore store, PaymentProcessor processor, SubscriptionBilling billing, Instalments.InstalmentBilling instalments, Ledger.Reconciliation reconciliation, PaymentOptions options, TimeProvider time,
    ILogger<PaymentMaintenance> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.MaintenanceInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Payment maintenance failed; next round in {Interval}", options.MaintenanceInterval);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Stopping: a round cut short (its database already closing) is simply not finished; the next start
                // picks the work up again. Not a failure of the host.
                logger.LogDebug(ex, "Payment maintenance round ended by shutdown");
                return;
            }
        }
    }

    /// <summary>One round: resolve what is processing, expire unconfirmed actions, enqueue due charges, purge expired keys, reconcile. Returns how many payments were resolved.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var resolved = 0;
        foreach (var id in await store.ProcessingPaymentIdsAsync(100))
        {
            await using var unit = await store.BeginAsync(cancellationToken);
            // Locked first (the same lock ResolveAsync takes) so only the round that settles it applies the outcome.
            if (await unit.LockPaymentAsync(null, id) is not { Status: PaymentStates.Processing }) continue;
            var payment = await processor.ResolveAsync(unit, id, cancellationToken);
            if (payment is not null && payment.Status != PaymentStates.Processing)
            {
                // A renewal, instalment or first charge waiting for this payment gets its outcome in the same transaction.
                await billing.SettleAsync(unit, payment, cancellationToken);
                await instalments.SettleAsync(unit, payment);
                resolved++;
            }
            await unit.CommitAsync();
        }
        foreach (var id in await store.ExpiredActionPaymentIdsAsync(time.GetUtcNow().UtcDateTime, 100))
        {
            await using var unit = await store.BeginAsync(cancellationToken);
            if (await processor.ExpireActionAsync(unit, id, cancellationToken)) resolved++;
            await unit.CommitAsync();
        }
        await billing.EnqueueDueAsync(cancellationToken);
        await billing.NoticeRenewalsAsync(cancellationToken); // after renewals, so a period just renewed is not announced
        await instalments.EnqueueDueAsync(cancellationToken);
        await store.PurgeExpiredIdempotencyKeysAsync(time.GetUtcNow().UtcDateTime);
        await reconciliation.RunAsync(cancellationToken); // the metric follows the ledger
        return resolved;
    }
}
