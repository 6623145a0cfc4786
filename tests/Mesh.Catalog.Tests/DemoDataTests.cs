using Mesh.Catalog.DemoData;

namespace Mesh.Catalog.Tests;

/// <summary>The demo catalog is deterministic, the promised size, and consistent (the database accepts it: see the seeding test).</summary>
public sealed class DemoDataTests
{
    [Fact]
    public void Same_date_gives_the_same_catalog_of_the_promised_size()
    {
        var today = new DateOnly(2030, 1, 1);
        var a = DemoDataGenerator.Generate(today);
        var b = DemoDataGenerator.Generate(today);
        Assert.Equal((10, 200, 2_000, 50), (a.Cities.Count, a.Venues.Count, a.Shows.Count, a.Services.Count));
        Assert.Equal(a.Shows.Select(s => (s.Id, s.StartTime, s.MinPriceMinor)), b.Shows.Select(s => (s.Id, s.StartTime, s.MinPriceMinor)));
        Assert.Equal(a.Venues.Select(v => v.Name), b.Venues.Select(v => v.Name));
        Assert.All(a.Shows, s => Assert.InRange(s.StartTime, today.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(1), today.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(31)));
    }
}
