using Mesh.Catalog.Cache;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Catalog.Changes;

/// <summary>
/// Consumes the catalog's own change events (queue <see cref="Queue"/>, deduplicated through mesh_inbox) and drops
/// the cache entries they name. This is what makes invalidation reliable: the write's best-effort delete right after
/// commit can lose a race with a reader that loaded the old row and re-cached it a moment later; the event arrives
/// after that and deletes the stale copy. Redis failures throw, so the message is retried with back-off.
/// Runs only when ConnectionStrings:messaging is set.
/// </summary>
public sealed class CacheInvalidationConsumer(NpgsqlDataSource db, CatalogCache cache, CatalogOptions options, IConfiguration configuration,
    ILogger<CacheInvalidationConsumer> logger) : BackgroundService
{
    public const string Queue = "catalog.cache-invalidation";

    private InboxConsumer? _consumer;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration.GetConnectionString(options.Messaging) is not { Length: > 0 } broker) return;
        // The broker may come up after the catalog: keep trying (a failed background service would stop the host).
        for (var delay = TimeSpan.FromMilliseconds(500); !stoppingToken.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks)))
        {
            var consumer = new InboxConsumer(db, new InboxConsumerOptions
            {
                ConnectionString = broker, Queue = Queue, Bindings = CatalogChanged.Types,
                InitialBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(30),
            }, logger);
            try
            {
                await consumer.StartAsync((message, _, _) => cache.InvalidateAsync(message.Json<CatalogChanged>(), throwOnRedisError: true), stoppingToken);
                _consumer = consumer;
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                await consumer.DisposeAsync();
                logger.LogWarning(ex, "Cache invalidation consumer could not start; retrying in {Delay}", delay);
                try { await Task.Delay(delay, stoppingToken); } catch (OperationCanceledException) { return; }
            }
            catch (OperationCanceledException)
            {
                await consumer.DisposeAsync();
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_consumer is not null) await _consumer.DisposeAsync();
    }
}
