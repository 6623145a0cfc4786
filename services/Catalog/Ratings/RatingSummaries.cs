using Dapper;
using Mesh.Catalog.V1;
using Npgsql;

namespace Mesh.Catalog.Ratings;

/// <summary>
/// The rating summaries the catalog shows on its items: the last rating.changed event per item (rating_summaries),
/// kept only when newer than what is stored, read in one query per call however many items it returns.
/// </summary>
public sealed class RatingSummaries(NpgsqlDataSource db)
{
    /// <summary>The part of the rating service's "rating.changed" event the catalog keeps (JSON, PascalCase names).</summary>
    public sealed record RatingChanged(string Item, int Count, double Average, double BayesianAverage, long Version);

    public const string Type = "rating.changed";

    /// <summary>The queue the catalog consumes them from (rating's relay declares it too).</summary>
    public const string Queue = "catalog.rating-summaries";

    /// <summary>Stores the change unless the stored summary of the item is as new or newer; answers whether it was stored.</summary>
    public static async Task<bool> ApplyAsync(NpgsqlTransaction tx, RatingChanged change) =>
        await tx.Connection!.ExecuteAsync("""
            INSERT INTO rating_summaries AS s (item, review_count, average, bayesian_average, version)
            VALUES (@Item, @Count, @Average, @BayesianAverage, @Version)
            ON CONFLICT (item) DO UPDATE SET review_count = excluded.review_count, average = excluded.average,
                bayesian_average = excluded.bayesian_average, version = excluded.version
            WHERE s.version < excluded.version
            """, change, tx) == 1;

    /// <summary>The summaries of <paramref name="items"/> that have one, by item name.</summary>
    public async Task<IReadOnlyDictionary<string, RatingSummary>> FindAsync(IReadOnlyCollection<string> items)
    {
        if (items.Count == 0) return new Dictionary<string, RatingSummary>();
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Item, int Count, double Average, double Bayesian)>(
            "SELECT item, review_count, average, bayesian_average FROM rating_summaries WHERE item = ANY(@items)", new { items = items.ToArray() });
        return rows.ToDictionary(r => r.Item, r => new RatingSummary { Count = r.Count, Average = r.Average, BayesianAverage = r.Bayesian });
    }

    /// <summary>Sets each item's summary, when it has one (<paramref name="name"/>: the item's rating name, e.g. "events/{id}").</summary>
    public async Task AttachAsync<T>(IReadOnlyList<T> items, Func<T, string> name, Action<T, RatingSummary> set)
    {
        var found = await FindAsync(items.Select(name).ToList());
        foreach (var item in items)
            if (found.TryGetValue(name(item), out var summary)) set(item, summary);
    }
}
