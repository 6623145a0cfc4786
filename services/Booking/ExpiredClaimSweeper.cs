namespace Mesh.Booking;

/// <summary>
/// Now and then: records holds that expired (expired_at), frees their claims and announces each with a
/// booking.hold_expired event through the outbox (one transaction per batch), then deletes any other expired claims.
/// Seat and slot correctness does not depend on it (reads and CreateHold treat an expired claim as free); it gives
/// the event and keeps the claim tables small. It also warns holds about to expire (within
/// <see cref="BookingOptions.HoldExpiryWarning"/>) once each, with a booking.hold_expiring event. <see cref="SweepAsync"/> is public so tests sweep on their clock.
/// </summary>
public sealed class ExpiredClaimSweeper(BookingStore store, BookingOptions options, TimeProvider time, ILogger<ExpiredClaimSweeper> logger) : BackgroundService
{
    private const int Batch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ExpiredClaimSweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Sweeping expired holds failed; the next tick tries again");
            }
        }
    }

    /// <summary>One sweep at the clock's now; returns how many holds it recorded as expired.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var expired = 0;
        while (true)
        {
            var batch = await store.SweepExpiredHoldsAsync(now, Batch, cancellationToken);
            expired += batch.Count;
            if (batch.Count < Batch) break;
        }
        var warned = 0;
        while (true)
        {
            var batch = await store.WarnExpiringHoldsAsync(now, now + options.HoldExpiryWarning, Batch, cancellationToken);
            warned += batch.Count;
            if (batch.Count < Batch) break;
        }
        var deleted = await store.DeleteExpiredClaimsAsync(now, cancellationToken);
        if (expired > 0 || warned > 0 || deleted > 0)
            logger.LogDebug("Recorded {Holds} expired holds; warned {Warned} expiring ones; deleted {Claims} other expired claims", expired, warned, deleted);
        return expired;
    }
}
