namespace Mesh.Catalog.Domain;

// Products and stock reservations as CatalogStore reads and writes them.

public sealed class ProductRow
{
    public Guid Id { get; set; }
    public Guid VenueId { get; set; }
    public string CityId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public string Category { get; set; } = "";
    public long PriceMinor { get; set; }
    public string Currency { get; set; } = "";
    public long Stock { get; set; }
    public bool Active { get; set; }
    public DateTime CreateTime { get; set; }
    public DateTime UpdateTime { get; set; }
    /// <summary>Joined: the venue's owner (for authorization).</summary>
    public string OwnerId { get; set; } = "";
}

public sealed record ProductLine(Guid ProductId, long Quantity);

/// <summary>A reservation as stored: "reserved" or "released", with the lines it took (none for a release tombstone).</summary>
public sealed record ReservationState(Guid Id, string Status, IReadOnlyList<ProductLine> Lines);

public enum ReserveOutcome { Reserved, AlreadyReserved, AlreadyReleased, DifferentLines, OutOfStock, UnknownProduct }

/// <summary>The outcome of a reserve; <see cref="Short"/> names the product that lacked stock.</summary>
public sealed record ReserveResult(ReserveOutcome Outcome, ReservationState? State, Guid? Short = null);
