using Google.Protobuf;
using Mesh.Catalog.Domain;
using Mesh.Catalog.V1;

namespace Mesh.Catalog.DemoData;

/// <summary>
/// A deterministic demo catalog (fixed seed: the same names, venues and prices on every machine) so a newcomer's first
/// <c>./mesh up</c> shows a populated system: 10 cities, 200 venues with one 60-seat screen each, 100 events,
/// 2,000 shows over the next 30 days (days relative to today, so they stay in the future), 50 bookable services,
/// 100 products. Loaded only when the catalog has no cities and <c>Catalog:SeedDemoData</c> is on; a catalog seeded
/// before products existed gets the demo products once (when it has none and the demo venues are there).
/// </summary>
public sealed class DemoDataGenerator(CatalogStore store, TimeProvider time, ILogger<DemoDataGenerator> logger)
{
    public const int Seed = 20260801;
    public const string DemoOwner = "demo-partner";

    private static readonly (string Id, string Name, string Country, string Zone, double Lat, double Lon)[] CityList =
    [
        ("berlin", "Berlin", "DE", "Europe/Berlin", 52.52, 13.40), ("london", "London", "GB", "Europe/London", 51.51, -0.13),
        ("paris", "Paris", "FR", "Europe/Paris", 48.86, 2.35), ("madrid", "Madrid", "ES", "Europe/Madrid", 40.42, -3.70),
        ("rome", "Rome", "IT", "Europe/Rome", 41.90, 12.50), ("vienna", "Vienna", "AT", "Europe/Vienna", 48.21, 16.37),
        ("amsterdam", "Amsterdam", "NL", "Europe/Amsterdam", 52.37, 4.90), ("warsaw", "Warsaw", "PL", "Europe/Warsaw", 52.23, 21.01),
        ("lisbon", "Lisbon", "PT", "Europe/Lisbon", 38.72, -9.14), ("prague", "Prague", "CZ", "Europe/Prague", 50.08, 14.44),
    ];
    private static readonly string[] Adjectives = ["Silent", "Golden", "Midnight", "Crimson", "Lost", "Electric", "Hidden", "Last", "Wild", "Frozen"];
    private static readonly string[] Nouns = ["River", "Empire", "Garden", "Symphony", "Harbour", "Machine", "Kingdom", "Letter", "Voyage", "Orchard"];
    private static readonly string[] Genres = ["drama", "comedy", "thriller", "jazz", "rock", "classical", "family", "sci-fi", "romance", "documentary"];
    private static readonly string[] Kinds = ["movie", "concert", "play"];
    private static readonly string[] Languages = ["en", "de", "fr", "es", "it"];
    private static readonly string[] ServiceCategories = ["yoga", "salon", "tennis", "climbing", "massage"];
    private static readonly string[] Amenities = ["parking", "wheelchair", "bar", "cloakroom", "air-conditioning"];
    private static readonly (string Category, string[] Names)[] ProductKinds =
    [
        ("snacks", ["Popcorn", "Nachos", "Pretzel", "Chocolate Bar"]), ("drinks", ["Lemonade", "Cola", "Sparkling Water", "Iced Tea"]),
        ("merchandise", ["Programme", "Poster", "T-Shirt", "Tote Bag"]),
    ];
    private static readonly string[] Sizes = ["Small", "Medium", "Large", "Deluxe"];

    public async Task SeedIfEmptyAsync(CancellationToken cancellationToken)
    {
        var demo = Generate(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        if (!await store.IsEmptyAsync(cancellationToken))
        {
            // Seeded by an older version: add what it lacked. Inserted only for demo venues that exist, once.
            var added = await store.SeedProductsIfNoneAsync(demo.Products, cancellationToken);
            if (added > 0) logger.LogInformation("Added {Products} demo products to the existing catalog.", added);
            return;
        }
        if (await store.SeedAsync(demo, cancellationToken))
            logger.LogInformation("Loaded demo catalog: {Cities} cities, {Venues} venues, {Shows} shows, {Services} services, {Products} products.",
                demo.Cities.Count, demo.Venues.Count, demo.Shows.Count, demo.Services.Count, demo.Products.Count);
    }

    /// <summary>The catalog for a given "today" (pure: the same date gives the same catalog).</summary>
    public static DemoCatalog Generate(DateOnly today)
    {
        var random = new Random(Seed);
        Guid NextId()
        {
            Span<byte> bytes = stackalloc byte[16];
            random.NextBytes(bytes);
            bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);   // version 4 (random) …
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);   // … RFC 4122 variant
            return new Guid(bytes);
        }
        var created = today.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(-30);
        var demo = new DemoCatalog([], [], [], [], [], [], [], [], [], []);
        foreach (var c in CityList) demo.Cities.Add(new CityRow { Id = c.Id, Name = c.Name, CountryCode = c.Country, TimeZone = c.Zone });

        for (var v = 0; v < 200; v++)
        {
            var city = CityList[v % CityList.Length];
            var venue = new VenueRow
            {
                Id = NextId(), CityId = city.Id, OwnerId = $"{DemoOwner}-{v % 10 + 1}",
                Name = $"{Adjectives[random.Next(Adjectives.Length)]} {Nouns[random.Next(Nouns.Length)]} {(v % 3 == 0 ? "Cinema" : v % 3 == 1 ? "Hall" : "Theatre")} {v + 1}",
                Address = $"{random.Next(1, 200)} Main Street, {city.Name}",
                Latitude = city.Lat + (random.NextDouble() - 0.5) * 0.1, Longitude = city.Lon + (random.NextDouble() - 0.5) * 0.1,
                Amenities = Amenities.Where(_ => random.Next(2) == 0).ToArray(), CreateTime = created, UpdateTime = created,
            };
            demo.Venues.Add(venue);
            var screenId = NextId();
            var map = new SeatMap();
            map.Categories.Add(new SeatCategory { Code = "standard", Name = "Standard", Tier = 1 });
            map.Categories.Add(new SeatCategory { Code = "premium", Name = "Premium", Tier = 2 });
            var position = 0;
            for (var r = 0; r < 6; r++)
            {
                var row = new SeatRow { Label = ((char)('A' + r)).ToString() };
                for (var s = 1; s <= 10; s++)
                {
                    var seat = new SeatSpec { Label = $"{row.Label}{s}", Category = r >= 4 ? "premium" : "standard", Accessible = r == 0 && s <= 2, Blocked = r == 5 && s == 10 };
                    row.Seats.Add(seat);
                    demo.Seats.Add(new SeatInsertRow(NextId(), screenId, row.Label, seat.Label, seat.Category, seat.Accessible, seat.Blocked, position++));
                }
                map.Rows.Add(row);
            }
            demo.Screens.Add(new ScreenRow { Id = screenId, VenueId = venue.Id, Name = "Screen 1", Layout = JsonFormatter.Default.Format(map) });
            demo.Categories.Add(new CategoryRow(screenId, "standard", "Standard", 1));
            demo.Categories.Add(new CategoryRow(screenId, "premium", "Premium", 2));
        }

        for (var e = 0; e < 100; e++)
        {
            var kind = Kinds[e % Kinds.Length];
            demo.Events.Add(new EventRow
            {
                Id = NextId(), OwnerId = $"{DemoOwner}-{e % 10 + 1}", Kind = kind,
                Title = $"The {Adjectives[e % 10]} {Nouns[e / 10 % 10]}",
                Description = $"A {kind} about a {Nouns[random.Next(Nouns.Length)].ToLowerInvariant()} and a {Nouns[random.Next(Nouns.Length)].ToLowerInvariant()}.",
                Genres = [Genres[e % Genres.Length], Genres[(e * 7 + 3) % Genres.Length]], Languages = [Languages[e % Languages.Length]],
                DurationMinutes = 90 + random.Next(0, 7) * 10, AgeRating = e % 4 == 0 ? "16+" : "PG", Details = "{}",
            });
        }

        // 10 shows per venue, three days apart, so no screen ever holds two at once; each starts at least a day ahead.
        for (var i = 0; i < 2_000; i++)
        {
            var venue = demo.Venues[i % 200];
            var screen = demo.Screens[i % 200];
            var ev = demo.Events[random.Next(demo.Events.Count)];
            var start = today.ToDateTime(new TimeOnly(12 + i % 200 % 9, 0), DateTimeKind.Utc).AddDays(1 + i / 200 * 3);
            var standard = 800 + random.Next(0, 15) * 100L;
            var show = new ShowRow
            {
                Id = NextId(), EventId = ev.Id, ScreenId = screen.Id, VenueId = venue.Id, CityId = venue.CityId, StartTime = start,
                EndTime = start.AddMinutes(ev.DurationMinutes), Currency = "EUR", MinPriceMinor = standard, MaxPriceMinor = standard + 500, Status = "scheduled",
            };
            demo.Shows.Add(show);
            demo.Prices.Add(new ShowPriceRow(show.Id, "standard", standard));
            demo.Prices.Add(new ShowPriceRow(show.Id, "premium", standard + 500));
        }

        for (var s = 0; s < 50; s++)
        {
            var venue = demo.Venues[s * 4];
            var category = ServiceCategories[s % ServiceCategories.Length];
            var hours = Enumerable.Range(1, 6).Select(d => new OpeningHours { DayOfWeek = d, Opens = "09:00", Closes = d == 6 ? "14:00" : "19:00" });
            demo.Services.Add(new ServiceRow
            {
                Id = NextId(), VenueId = venue.Id, CityId = venue.CityId, Name = $"{char.ToUpperInvariant(category[0])}{category[1..]} at {venue.Name}",
                Category = category, DurationMinutes = category is "massage" or "salon" ? 45 : 60, Capacity = category is "yoga" or "climbing" ? 12 : 2,
                PriceMinor = 1500 + random.Next(0, 30) * 100L, Currency = "EUR", OpeningHours = OpeningHoursJson.Write(hours),
            });
        }

        // Drawn after everything else, so the ids above stay what older versions generated (existing demo databases
        // get these products added to the same venues).
        for (var p = 0; p < 100; p++)
        {
            var venue = demo.Venues[p * 2 + p / 10 % 2];   // blocks of ten alternate even and odd venues: ten products per city
            var (category, names) = ProductKinds[p % ProductKinds.Length];
            var name = names[p / ProductKinds.Length % names.Length];
            demo.Products.Add(new ProductRow
            {
                Id = NextId(), VenueId = venue.Id, CityId = venue.CityId, OwnerId = venue.OwnerId,
                Name = $"{Sizes[p / 12 % Sizes.Length]} {name}", Description = $"{name} from {venue.Name}.", Category = category,
                PriceMinor = (category == "merchandise" ? 1500 : 300) + random.Next(0, 20) * 50L, Currency = "EUR",
                Stock = 50 + random.Next(0, 10) * 50, Active = true, CreateTime = created, UpdateTime = created,
            });
        }
        return demo;
    }
}
