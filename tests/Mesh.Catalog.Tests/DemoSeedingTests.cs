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
}
