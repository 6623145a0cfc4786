using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Catalog.Tests;

/// <summary>With the switch on, an empty catalog is seeded once at start-up; the database's constraints accept every row.</summary>
public sealed class DemoSeedingTests(DemoSeedingTests.SeededFixture fixture) : IClassFixture<DemoSeedingTests.SeededFixture>
{
    public sealed class SeededFixture(TestServers servers) : CatalogFixture(servers)
    {
        protected override bool SeedDemoData => true;
    }

    [Fact]
    public async Task Seeded_catalog_is_browsable_and_seeding_twice_adds_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var cities = await fixture.Client.ListCitiesAsync(new ListCitiesRequest(), cancellationToken: ct);
        Assert.Equal(10, cities.Cities.Count);
        var berlin = await fixture.Client.ListShowsAsync(new ListShowsRequest { City = "berlin", PageSize = 100 }, cancellationToken: ct);
        Assert.Equal(100, berlin.Shows.Count);
        Assert.NotEmpty(berlin.NextPageToken);

        await fixture.Services.GetRequiredService<Mesh.Catalog.DemoData.DemoDataGenerator>().SeedIfEmptyAsync(ct);
        Assert.Equal(cities.Cities.Count, (await fixture.Client.ListCitiesAsync(new ListCitiesRequest(), cancellationToken: ct)).Cities.Count);
    }

    [Fact]
    public async Task A_catalog_seeded_before_products_existed_gets_the_demo_products_once()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(100, await CountAsync("SELECT count(*) FROM products"));
        var berlin = await fixture.Client.ListProductsAsync(new ListProductsRequest { City = "berlin", PageSize = 100 }, cancellationToken: ct);
        Assert.Equal(10, berlin.Products.Count);

        // An older demo database: every other table seeded, products absent.
        await CountAsync("DELETE FROM products");
        var venues = await CountAsync("SELECT count(*) FROM venues");
        var generator = fixture.Services.GetRequiredService<Mesh.Catalog.DemoData.DemoDataGenerator>();
        await generator.SeedIfEmptyAsync(ct);
        Assert.Equal(100, await CountAsync("SELECT count(*) FROM products"));
        await generator.SeedIfEmptyAsync(ct);
        Assert.Equal(100, await CountAsync("SELECT count(*) FROM products"));
        Assert.Equal(venues, await CountAsync("SELECT count(*) FROM venues"));
        Assert.Equal(2_000, await CountAsync("SELECT count(*) FROM shows"));
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var db = new Npgsql.NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand(sql, db);
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
