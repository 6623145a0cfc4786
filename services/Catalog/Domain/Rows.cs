namespace Mesh.Catalog.Domain;

// Rows as CatalogStore reads and writes them. Classes with setters: Dapper fills properties, and Npgsql reports
// text[] as System.Array, which no record constructor matches.

public sealed class CityRow
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string CountryCode { get; set; } = "";
    public string TimeZone { get; set; } = "";
}

public sealed class VenueRow
{
    public Guid Id { get; set; }
    public string CityId { get; set; } = "";
    public string OwnerId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Address { get; set; } = "";
    public double Latitude { get; set; }
    public double Longitude { get; set; }
    public string[] Amenities { get; set; } = [];
    public DateTime CreateTime { get; set; }
    public DateTime UpdateTime { get; set; }
}

public sealed class ScreenRow
{
    public Guid Id { get; set; }
    public Guid VenueId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The seat map as drawn (rows in order, categories), as protobuf JSON.</summary>
    public string Layout { get; set; } = "{}";
    /// <summary>Joined: the venue's owner and city (for authorization and denormalised show rows).</summary>
    public string OwnerId { get; set; } = "";
    public string CityId { get; set; } = "";
}

public sealed class SeatRowData
{
    public Guid Id { get; set; }
    public string RowLabel { get; set; } = "";
    public string Label { get; set; } = "";
    public string Category { get; set; } = "";
    public bool Accessible { get; set; }
    public bool Blocked { get; set; }
    public int Position { get; set; }
}

public sealed class EventRow
{
    public Guid Id { get; set; }
    public string OwnerId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string[] Genres { get; set; } = [];
    public string[] Languages { get; set; } = [];
    public int DurationMinutes { get; set; }
    public string AgeRating { get; set; } = "";
    /// <summary>Rich details (image urls, …) as JSON.</summary>
    public string Details { get; set; } = "{}";
}

public sealed class ShowRow
{
    public Guid Id { get; set; }
    public Guid EventId { get; set; }
    public Guid ScreenId { get; set; }
    public Guid VenueId { get; set; }
    public string CityId { get; set; } = "";
    public DateTime StartTime { get; set; }
    public DateTime EndTime { get; set; }
    public string Currency { get; set; } = "";
    public long MinPriceMinor { get; set; }
    public long MaxPriceMinor { get; set; }
    public string Status { get; set; } = "";
    /// <summary>Joined for reads.</summary>
    public string VenueName { get; set; } = "";
    public string OwnerId { get; set; } = "";
}

public sealed record PriceRow(string Category, long PriceMinor);

public sealed class ServiceRow
{
    public Guid Id { get; set; }
    public Guid VenueId { get; set; }
    public string CityId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Category { get; set; } = "";
    public int DurationMinutes { get; set; }
    public int Capacity { get; set; }
    public long PriceMinor { get; set; }
    public string Currency { get; set; } = "";
    /// <summary>OpeningHours list as JSON.</summary>
    public string OpeningHours { get; set; } = "[]";
}

/// <summary>The filters of a show search; null means "any".</summary>
public sealed record ShowFilter(string? City, DateTime From, DateTime? To, string? Query, string? Genre, string? Language, long? MinPrice, long? MaxPrice);

public enum CreateShowOutcome { Created, Overlaps, NotInFuture }

public enum DeleteOutcome { Deleted, NotFound, InUse }

public sealed record CategoryRow(Guid ScreenId, string Code, string Name, int Tier);

public sealed record SeatInsertRow(Guid Id, Guid ScreenId, string RowLabel, string Label, string Category, bool Accessible, bool Blocked, int Position);

public sealed record ShowPriceRow(Guid ShowId, string Category, long PriceMinor);

/// <summary>A whole generated catalog, written in one transaction by CatalogStore.SeedAsync.</summary>
public sealed record DemoCatalog(
    List<CityRow> Cities, List<VenueRow> Venues, List<ScreenRow> Screens, List<CategoryRow> Categories, List<SeatInsertRow> Seats,
    List<EventRow> Events, List<ShowRow> Shows, List<ShowPriceRow> Prices, List<ServiceRow> Services, List<ProductRow> Products);
