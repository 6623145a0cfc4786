using Mesh.Referral.Redemptions;

namespace Mesh.Referral.Workers;

/// <summary>
/// Releases reservations nobody confirmed within their TTL (a checkout that crashed between reserving and writing its
/// booking, or a booking still unsettled long after its deadline), every <see cref="ReferralOptions.SweepInterval"/>.
/// Replicas may run side by side: each redemption is released under its row lock, once.
/// </summary>
public sealed class ExpiredReservationSweeper(RedemptionsStore store, CouponRedemptions redemptions, ReferralOptions options, TimeProvider time, ILogger<ExpiredReservationSweeper> logger) : BackgroundService
{
    private const int Batch = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Releasing expired coupon reservations failed; the next round tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One round (tests call it on their clock): returns how many reservations it released.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var released = 0;
        IReadOnlyList<Guid> due;
        do
        {
            due = await store.ListExpiredAsync(time.GetUtcNow().UtcDateTime, Batch, cancellationToken);
            foreach (var bookingId in due)
                if ((await redemptions.ExpireAsync(bookingId, cancellationToken))?.ReleaseReason == ReleaseReasons.Expired) released++;
        }
        while (due.Count == Batch);
        if (released > 0) logger.LogWarning("Released {Count} coupon reservations nobody confirmed in time", released);
        return released;
    }
}
