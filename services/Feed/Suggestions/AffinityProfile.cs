namespace Mesh.Feed.Suggestions;

/// <summary>
/// What a user is drawn to: weights of genres, venues and service categories, summed from their bookings (worth
/// <see cref="BookingWeight"/> each) and views (<see cref="ViewWeight"/>), and what they have booked already (never
/// suggested again). Pure.
/// </summary>
public sealed class AffinityProfile
{
    public const double BookingWeight = 3;
    public const double ViewWeight = 1;

    public Dictionary<string, double> Genres { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, double> Venues { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, double> Categories { get; } = new(StringComparer.Ordinal);
    public HashSet<string> BookedShows { get; } = new(StringComparer.Ordinal);
    public HashSet<string> BookedEvents { get; } = new(StringComparer.Ordinal);
    public HashSet<string> BookedServices { get; } = new(StringComparer.Ordinal);

    public bool IsEmpty => Genres.Count == 0 && Venues.Count == 0 && Categories.Count == 0;

    public void AddShow(IEnumerable<string> genres, string venueId, double weight)
    {
        foreach (var genre in genres.Select(g => g.ToLowerInvariant()).Distinct()) Add(Genres, genre, weight);
        if (venueId.Length > 0) Add(Venues, venueId, weight);
    }

    public void AddCategory(string category, double weight)
    {
        if (category.Length > 0) Add(Categories, category.ToLowerInvariant(), weight);
    }

    /// <summary>The strongest genres, best first (ties by name, so the order is stable).</summary>
    public IReadOnlyList<string> TopGenres(int count) => Top(Genres, count);

    public IReadOnlyList<string> TopCategories(int count) => Top(Categories, count);

    private static IReadOnlyList<string> Top(Dictionary<string, double> weights, int count) =>
        weights.OrderByDescending(w => w.Value).ThenBy(w => w.Key, StringComparer.Ordinal).Take(count).Select(w => w.Key).ToList();

    private static void Add(Dictionary<string, double> weights, string key, double weight) =>
        weights[key] = weights.GetValueOrDefault(key) + weight;
}
