using Mesh.Catalog.Ratings;
using Mesh.Catalog.V1;

namespace Mesh.Catalog;

// The rating summary on the items the catalog returns (Ratings/: kept from the rating service's rating.changed events).
public sealed partial class CatalogApi
{
    /// <summary>Sets the summary of each item that has one; <paramref name="kind"/> is the rating service's name for the item kind.</summary>
    private static Task WithRatingsAsync<T>(IReadOnlyList<T> items, string kind, Func<T, string> id, Action<T, RatingSummary> set, ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<RatingSummaries>().AttachAsync(items, item => $"{kind}/{id(item)}", set);
}
