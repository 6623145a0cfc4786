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
        Assert.Equal(100, a.Products.Count);
        Assert.Equal(a.Products.Select(p => (p.Id, p.Name, p.PriceMinor, p.Stock)), b.Products.Select(p => (p.Id, p.Name, p.PriceMinor, p.Stock)));
        var venueIds = a.Venues.Select(v => v.Id).ToHashSet();
        Assert.All(a.Products, p => Assert.Contains(p.VenueId, venueIds));
        Assert.All(a.Products, p => Assert.True(p.Stock >= 0 && p.PriceMinor >= 0));
        Assert.Equal(2_300, a.Products.Select(p => p.Id).Concat(a.Venues.Select(v => v.Id)).Concat(a.Shows.Select(s => s.Id)).Distinct().Count());
        Assert.All(a.Products.GroupBy(p => p.CityId), city => Assert.Equal(10, city.Count()));
        Assert.All(a.Shows, s => Assert.InRange(s.StartTime, today.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(1), today.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddDays(31)));
    }
}
