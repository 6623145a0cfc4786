using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Catalog.Changes;

/// <summary>
/// Writes a <see cref="CatalogChanged"/> into the outbox inside the write's own transaction — when the catalog has a
/// broker (ConnectionStrings:messaging). Without one nothing would ever relay the rows, so none are written and the
/// cache is invalidated after commit only (the TTL then bounds a lost invalidation).
/// </summary>
public sealed class ChangeOutbox(bool enabled)
{
    public bool Enabled => enabled;

    public Task AddAsync(NpgsqlTransaction transaction, CatalogChanged change) =>
        enabled ? Outbox.AddAsync(transaction, OutboxMessage.Json(change.Type, change)) : Task.CompletedTask;

    /// <summary>Announces a new show (for the notification service's city broadcasts), under the same rule.</summary>
    public Task AddAsync(NpgsqlTransaction transaction, ShowCreated created) =>
        enabled ? Outbox.AddAsync(transaction, OutboxMessage.Json(ShowCreated.Type, created)) : Task.CompletedTask;
}
