using Mesh.Analytics.Stream;
using Npgsql;

namespace Mesh.Analytics.Aggregation;

/// <summary>
/// Keeps the consumer's claims (processed_events: the ids it counted) for as long as an event can come back, not
/// forever. A replay from a stored or reset offset reaches back at most as far as the broker keeps the stream
/// (<see cref="AnalyticsOptions.StreamMaxAge"/>); a producer's retry or the outbox's second send comes within minutes.
/// So claims older than the stream's age plus a day are deleted: at start and every
/// <see cref="AnalyticsOptions.ClaimPruneInterval"/>, in slices, so no long transaction holds up the consumer.
/// </summary>
public sealed class ClaimPruning(AggregateStore store, AnalyticsOptions options, TimeProvider time, ILogger<ClaimPruning> logger) : BackgroundService
{
    private const int Slice = 10_000;

    /// <summary>How old a claim may get before it is deleted.</summary>
    public TimeSpan KeptFor { get; } = StreamMaxAge.Parse(options.StreamMaxAge) + TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ClaimPruneInterval, time);
        do
        {
            try
            {
                var deleted = await PruneAsync(stoppingToken);
                if (deleted > 0) logger.LogInformation("Deleted {Count} event claims older than {KeptFor}", deleted, KeptFor);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // The database away (a restart): the claims wait for the next round; nothing depends on them being gone.
                logger.LogWarning(ex, "Event claims not pruned this round; trying again in {Interval}", options.ClaimPruneInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Deletes every claim older than <see cref="KeptFor"/> on this service's clock; returns how many.</summary>
    public async Task<long> PruneAsync(CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow().UtcDateTime - KeptFor;
        long total = 0;
        while (true)
        {
            var deleted = await store.PruneClaimsAsync(before, Slice, cancellationToken);
            total += deleted;
            if (deleted < Slice) return total;
        }
    }
}
