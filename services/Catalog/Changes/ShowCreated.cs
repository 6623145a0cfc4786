namespace Mesh.Catalog.Changes;

/// <summary>
/// A new show was scheduled (type <c>catalog.show_created</c>), announced in the same transaction as its row: the
/// notification service tells the users of its city. JSON, PascalCase: <c>{ShowId, EventId, VenueId, CityId,
/// StartTime, EventTitle}</c>. Added next to <see cref="CatalogChanged"/> (which only says what caches must forget).
/// </summary>
public sealed record ShowCreated(Guid ShowId, Guid EventId, Guid VenueId, string CityId, DateTime StartTime, string EventTitle)
{
    public const string Type = "catalog.show_created";
}
