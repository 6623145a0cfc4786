using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Catalog.Ratings;

/// <summary>
/// Consumes the rating service's rating.changed events (queue <see cref="RatingSummaries.Queue"/>, deduplicated through
/// mesh_inbox) into rating_summaries, in the inbox's transaction. Runs only when ConnectionStrings:messaging is set.
/// </summary>
public sealed class RatingSummaryConsumer(NpgsqlDataSource db, CatalogOptions options, IConfiguration configuration, ILogger<RatingSummaryConsumer> logger)
    : InboxConsumerService(db, configuration, logger)
{
    protected override string ConnectionName => options.Messaging;

    protected override InboxConsumerOptions Options => new() { Queue = RatingSummaries.Queue, Bindings = [RatingSummaries.Type] };

    protected override Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        RatingSummaries.ApplyAsync(transaction, message.Json<RatingSummaries.RatingChanged>());
}
