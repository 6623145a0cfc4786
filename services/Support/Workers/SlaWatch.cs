using Mesh.Support.Sla;

namespace Mesh.Support.Workers;

/// <summary>
/// Raises SLA breaches when their deadlines pass: a round at start, then sleeps until the next known deadline (at
/// most <see cref="SupportOptions.SlaCheckInterval"/>, so deadlines of tickets made on other replicas are seen too)
/// on the injected clock. Every replica may run it; <see cref="SlaBreaches"/> makes each breach happen once.
/// </summary>
public sealed class SlaWatch(SlaBreaches breaches, SupportOptions options, TimeProvider time, ILogger<SlaWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.RunSlaWatch) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var sleep = options.SlaCheckInterval;
            try
            {
                var raised = await breaches.RaiseDueAsync(stoppingToken);
                if (raised.Count > 0) logger.LogInformation("Raised {Count} SLA breaches.", raised.Count);
                if (await breaches.NextDeadlineAsync(stoppingToken) is { } next)
                {
                    var until = next - time.GetUtcNow().UtcDateTime;
                    if (until < sleep) sleep = until < TimeSpan.Zero ? TimeSpan.Zero : until;
                }
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "SLA round failed; trying again in {Interval}.", sleep);
            }
            await Task.Delay(sleep, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
