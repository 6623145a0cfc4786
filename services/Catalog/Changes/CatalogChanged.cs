namespace Mesh.Catalog.Changes;

/// <summary>
/// The event a catalog write announces through the outbox (type <c>catalog.{Kind}_changed</c>, e.g.
/// <c>catalog.show_changed</c>). It names what the cache must forget: the shows whose cached details or seat maps
/// the write made stale, and whether cached searches are stale too. Computed inside the write's transaction.
/// </summary>
public sealed record CatalogChanged(string Kind, Guid Id, Guid[] ShowIds, bool SearchesChanged)
{
    public const string Venue = "venue";
    public const string Screen = "screen";
    public const string Event = "event";
    public const string Show = "show";
    public const string Service = "service";
    public const string Product = "product";

    /// <summary>Every type the catalog publishes; its own cache-invalidation queue binds to all of them.</summary>
    public static readonly string[] Types = [.. new[] { Venue, Screen, Event, Show, Service, Product }.Select(TypeOf)];

    public string Type => TypeOf(Kind);

    public static string TypeOf(string kind) => $"catalog.{kind}_changed";

    public static CatalogChanged OfShow(Guid showId) => new(Show, showId, [showId], SearchesChanged: true);
}
