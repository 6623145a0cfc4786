namespace Mesh.Booking;

/// <summary>
/// Deletes expired seat claims now and then. Correctness does not depend on it (reads and CreateHold treat an
/// expired claim as free); it keeps seat_claims small.
/// </summary>
public sealed class ExpiredClaimSweeper(BookingStore store, BookingOptions options, TimeProvider time, ILogger<ExpiredClaimSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ExpiredClaimSweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var deleted = await store.DeleteExpiredClaimsAsync(time.GetUtcNow().UtcDateTime, stoppingToken);
                if (deleted > 0) logger.LogDebug("Deleted {Count} expired seat claims", deleted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Sweeping expired seat claims failed; the next tick tries again");
            }
        }
    }
}
