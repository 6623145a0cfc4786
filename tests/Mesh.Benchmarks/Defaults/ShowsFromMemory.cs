using Google.Protobuf.WellKnownTypes;
using Mesh.Catalog.V1;

namespace Mesh.Benchmarks.Defaults;

/// <summary>
/// The real contract method the defaults benchmark calls: mesh.catalog.v1.Catalog/GetShow, answered from memory with
/// the catalog's own argument check (<see cref="FieldViolations.RequireUuid"/>) and not-found error, and a fully
/// populated show (event, venue, three prices: ~600 bytes of protobuf). The same class serves both the bare server
/// and the one with the service defaults, so the comparison isolates the defaults. No database, no cache.
/// </summary>
public sealed class ShowsFromMemory : Mesh.Catalog.V1.Catalog.CatalogBase
{
    public const string ShowId = "5f2c1a7e-3b4d-4c8e-9a61-0d7e2b9c4f13";

    private static readonly Dictionary<Guid, Show> Shows = new() { [Guid.Parse(ShowId)] = MakeShow() };

    public override Task<Show> GetShow(GetShowRequest request, ServerCallContext context)
    {
        var id = FieldViolations.RequireUuid("id", request.Id);
        return Shows.TryGetValue(id, out var show)
            ? Task.FromResult(show)
            : throw new RpcException(new Status(StatusCode.NotFound, $"show '{request.Id}' not found"));
    }

    private static Show MakeShow()
    {
        var start = new DateTime(2027, 3, 12, 19, 30, 0, DateTimeKind.Utc);
        return new Show
        {
            Id = ShowId,
            EventId = "0b8d7f42-6a1e-4f5b-8c2d-3e9a1b7c5d60",
            ScreenId = "c4e1b2a3-9d8f-4e7a-b6c5-1a2b3c4d5e6f",
            StartTime = Timestamp.FromDateTime(start),
            EndTime = Timestamp.FromDateTime(start.AddMinutes(148)),
            Prices = { new CategoryPrice { Category = "standard", PriceMinor = 1250 }, new CategoryPrice { Category = "premium", PriceMinor = 1890 }, new CategoryPrice { Category = "box", PriceMinor = 3200 } },
            Currency = "EUR",
            Status = ShowStatus.Scheduled,
            VenueId = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
            VenueName = "Kino International",
            CityId = "berlin",
            Event = new Event
            {
                Id = "0b8d7f42-6a1e-4f5b-8c2d-3e9a1b7c5d60",
                Kind = "movie",
                Title = "The Long Night Train",
                Description = "A night train across Europe, six strangers and one missing suitcase: a thriller told in real time.",
                Genres = { "thriller", "drama" },
                Languages = { "en", "de" },
                DurationMinutes = 148,
                AgeRating = "12+",
                ImageUrls = { "https://img.example.invalid/events/long-night-train/poster.jpg" },
                OwnerId = "e1d2c3b4-a5f6-4789-8a9b-0c1d2e3f4a5b",
            },
        };
    }
}
