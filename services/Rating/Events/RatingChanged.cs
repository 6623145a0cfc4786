using Mesh.Rating.Reviews;
using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Rating.Events;

/// <summary>
/// "rating.changed" on mesh.events: an item's aggregate after a write, written to the outbox in the write's own
/// transaction (so it is published exactly when the change commits). The catalog keeps the latest summary per item
/// (queue <see cref="CatalogQueue"/>), applying a version only when it is newer than the one it has: the relay may
/// deliver two changes of one item out of order. JSON with PascalCase names, like the other services' events.
/// </summary>
public sealed record RatingChanged(string Item, int Count, double Average, double BayesianAverage, int[] Histogram, string CityId, long Version)
{
    public const string Type = "rating.changed";

    /// <summary>The catalog's queue, declared by rating's relay too, so changes made before the catalog first starts wait for it.</summary>
    public const string CatalogQueue = "catalog.rating-summaries";

    public static readonly Dictionary<string, string[]> Queues = new() { [CatalogQueue] = [Type] };

    public static OutboxMessage Message(AggregateRow a) => OutboxMessage.Json(Type, new RatingChanged(
        a.Item, a.ReviewCount, a.ReviewCount == 0 ? 0 : (double)a.StarSum / a.ReviewCount, a.Bayesian,
        [a.Stars1, a.Stars2, a.Stars3, a.Stars4, a.Stars5], a.CityId, a.Version));
}
