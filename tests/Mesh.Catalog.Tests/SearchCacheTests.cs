using Mesh.Catalog.Cache;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Mesh.Catalog.Tests;

/// <summary>Searches are cached by their normalised request: a repeat is served from Redis, and a show or event write makes the next one fresh.</summary>
public sealed class SearchCacheTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private CacheMetrics Metrics => fixture.Services.GetRequiredService<CacheMetrics>();

    private Task<ListShowsResponse> SearchAsync(string q) =>
        fixture.Client.ListShowsAsync(new ListShowsRequest { City = "berlin", Q = q }, cancellationToken: Ct).ResponseAsync;

    [Fact]
    public async Task A_repeated_search_is_served_from_redis_and_a_write_makes_it_fresh()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA, title: "Quixotic Zephyr");
        await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(10)) }, fixture.AsPartnerA, cancellationToken: Ct);

        var loads = Metrics.Loads;
        var first = await SearchAsync("quixotic zephyr");
        Assert.Single(first.Shows);
        Assert.Equal(loads + 1, Metrics.Loads);

        // Rename behind the cache's back: a search that still sees the old title came from Redis. Case and spacing of
        // q are normalised, so this is the same cached search.
        await using (var db = new NpgsqlConnection(fixture.ConnectionString))
        {
            await db.OpenAsync(Ct);
            await using var command = new NpgsqlCommand("UPDATE events SET title = 'Quixotic Zephyr Returns' WHERE id = @id", db);
            command.Parameters.AddWithValue("id", Guid.Parse(a.Event.Id));
            await command.ExecuteNonQueryAsync(Ct);
        }
        var hits = Metrics.Hits;
        var second = await SearchAsync("  Quixotic   ZEPHYR ");
        Assert.Equal("Quixotic Zephyr", Assert.Single(second.Shows).Event.Title);
        Assert.Equal(loads + 1, Metrics.Loads);
        Assert.Equal(hits + 1, Metrics.Hits);

        // A new show of the event is a write: the next identical search loads again and lists both.
        await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(20)) }, fixture.AsPartnerA, cancellationToken: Ct);
        var third = await SearchAsync("quixotic zephyr");
        Assert.Equal(2, third.Shows.Count);
        Assert.All(third.Shows, s => Assert.Equal("Quixotic Zephyr Returns", s.Event.Title));
        Assert.Equal(loads + 2, Metrics.Loads);
    }

    [Fact]
    public async Task An_event_edit_makes_cached_searches_fresh()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA, title: "Velvet Lighthouse");
        await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(30)) }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Single((await SearchAsync("velvet lighthouse")).Shows);
        Assert.Single((await SearchAsync("velvet lighthouse")).Shows);

        await fixture.Client.UpdateEventAsync(new UpdateEventRequest
        {
            Id = a.Event.Id, Event = new Event { Title = "Copper Windmill", Description = "A windmill." },
            UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "title", "description" } },
        }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Empty((await SearchAsync("velvet lighthouse")).Shows);
        Assert.Equal("Copper Windmill", Assert.Single((await SearchAsync("copper windmill")).Shows).Event.Title);
    }
}
