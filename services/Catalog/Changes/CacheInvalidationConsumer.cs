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
    ILogger<CacheInvalidationConsumer> logger) : InboxConsumerService(db, configuration, logger)
{
    public const string Queue = "catalog.cache-invalidation";

    protected override string ConnectionName => options.Messaging;

    protected override InboxConsumerOptions Options => new()
    {
        Queue = Queue, Bindings = CatalogChanged.Types, InitialBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(30),
    };

    protected override Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        cache.InvalidateAsync(message.Json<CatalogChanged>(), throwOnRedisError: true);
}
