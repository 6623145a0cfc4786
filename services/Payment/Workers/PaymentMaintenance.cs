using Mesh.Payment.Charges;
using Mesh.Payment.Subscriptions;

namespace Mesh.Payment.Workers;

/// <summary>
/// Periodic housekeeping: settles PROCESSING payments from the provider's records (a lost answer becomes succeeded or
/// failed, never a second charge), bills due subscriptions (renewals and dunning retries) and forgets idempotency keys
/// past their lifetime (≥ 24 h).
/// </summary>
public sealed class PaymentMaintenance(PaymentStore store, PaymentProcessor processor, SubscriptionBilling billing, Ledger.Reconciliation reconciliation, PaymentOptions options, TimeProvider time,
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
        }
    }

    /// <summary>One round: resolve what is processing, bill due subscriptions, purge expired keys, reconcile. Returns how many payments were resolved.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var resolved = 0;
        foreach (var id in await store.ProcessingPaymentIdsAsync(100))
        {
            await using var unit = await store.BeginAsync(cancellationToken);
            var payment = await processor.ResolveAsync(unit, id, cancellationToken);
            await unit.CommitAsync();
            if (payment is not null && payment.Status != PaymentStates.Processing) resolved++;
        }
        await billing.RunDueAsync(cancellationToken);
        await store.PurgeExpiredIdempotencyKeysAsync(time.GetUtcNow().UtcDateTime);
        await reconciliation.RunAsync(cancellationToken); // the metric follows the ledger
        return resolved;
    }
}
