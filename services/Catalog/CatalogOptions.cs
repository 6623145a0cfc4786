namespace Mesh.Catalog;

/// <summary><c>Catalog</c> configuration. Defaults are the production values.</summary>
public sealed class CatalogOptions
{
    public const string SectionName = "Catalog";

    /// <summary>Connection string names (ConnectionStrings:{name}).</summary>
    public string Database { get; set; } = "catalogdb";
    public string Redis { get; set; } = "cache";
    /// <summary>The broker for change events (outbox relay and the cache-invalidation consumer); optional.</summary>
    public string Messaging { get; set; } = "messaging";

    /// <summary>Prefix of every Redis key this service writes (several services share one Redis).</summary>
    public string RedisKeyPrefix { get; set; } = "catalog:";

    /// <summary>How long a cached show or seat map lives; each entry gets up to <see cref="CacheJitter"/> more so
    /// entries written together do not expire together.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan CacheJitter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Cached search results live shorter: a search without "from" means "from now", and a cached page may
    /// still list a show that started up to this long ago.</summary>
    public TimeSpan SearchCacheTtl { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan SearchCacheJitter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Load the deterministic demo data at start-up when the database has no cities (off in tests).</summary>
    public bool SeedDemoData { get; set; } = true;
}
