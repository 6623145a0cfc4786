using Mesh.Notification.Delivery;
using Mesh.Notification.Reminders;

namespace Mesh.Notification.Workers;

/// <summary>
/// The timed work: due reminders into the inbox, then due email/SMS deliveries out through the provider. Runs again
/// at once while a round found work, else after <see cref="NotificationOptions.WorkerInterval"/>. A failing round
/// (database down) is logged and retried; nothing is lost because all state is in the rows.
/// </summary>
public sealed class NotificationRounds(ReminderStore reminders, DeliveryRound deliveries, NotificationOptions options, ILogger<NotificationRounds> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.RunWorkers) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                busy |= await reminders.SendDueAsync(stoppingToken) > 0;
                busy |= await deliveries.RunOnceAsync(stoppingToken) > 0;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "A notification round failed; retrying.");
            }
            if (!busy) await Task.Delay(options.WorkerInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
