using Mesh.Referral.Referrals;

namespace Mesh.Referral.Workers;

/// <summary>
/// Every <see cref="ReferralOptions.SweepInterval"/>: grants the rewards that became due (the invitee's first booking
/// started without being cancelled). Each grant is one transaction under the referral's row lock, so replicas and
/// repeated rounds grant it once.
/// </summary>
public sealed class RewardGrants(ReferralProgram program, ReferralOptions options, ILogger<RewardGrants> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval);
        do
        {
            try
            {
                var granted = await program.GrantDueAsync(stoppingToken);
                if (granted > 0) logger.LogInformation("Granted {Count} referral rewards", granted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Granting referral rewards failed; the next round tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
