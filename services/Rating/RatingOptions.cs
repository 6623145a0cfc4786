namespace Mesh.Rating;

/// <summary><c>Rating</c> configuration; every default is the production value.</summary>
public sealed class RatingOptions
{
    public const string SectionName = "Rating";

    /// <summary>Connection string name (ConnectionStrings:{name}).</summary>
    public string Database { get; set; } = "ratingdb";

    /// <summary>Connection string name of the shared Redis.</summary>
    public string Redis { get; set; } = "cache";

    /// <summary>Prefix of every Redis key this service writes (several services share one Redis).</summary>
    public string RedisKeyPrefix { get; set; } = "rating:";

    /// <summary>
    /// How long a cached aggregate lives. Every write replaces it at once (versioned); the lifetime only bounds how long
    /// a copy can be stale when Redis missed a write's update (Redis down at that moment). Zero turns the cache off
    /// (every read from PostgreSQL; the benchmark's uncached variant).
    /// </summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Reports by different users, since the last moderator decision, that hide a review pending review.</summary>
    public int ReportsToHide { get; set; } = 3;
}
