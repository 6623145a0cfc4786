using Mesh.Catalog.Cache;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;

namespace Mesh.Catalog.Tests;

/// <summary>Cache-aside for show details and seat maps: Redis serves repeat reads, a stampede loads once, writes invalidate.</summary>
public sealed class CacheTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private CacheMetrics Metrics => fixture.Services.GetRequiredService<CacheMetrics>();
    private IDatabase Redis => fixture.Services.GetRequiredService<IDatabase>();

    private async Task<Show> NewShowAsync(int hoursAhead)
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        return await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(hoursAhead)) }, fixture.AsPartnerA, cancellationToken: Ct);
    }

    [Fact]
    public async Task Second_read_is_served_from_redis()
    {
        var show = await NewShowAsync(10);
        var (hits, loads) = (Metrics.Hits, Metrics.Loads);
        await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct);
        Assert.Equal(loads + 1, Metrics.Loads);
        Assert.True(await Redis.KeyExistsAsync(CatalogCache.ShowKey(Guid.Parse(show.Id))));

        // Change the row behind the cache's back: a read that still sees the old value came from Redis.
        await ExecuteAsync("UPDATE events SET title = 'Changed behind the cache' WHERE id = @id", Guid.Parse(show.EventId));
        var second = await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct);
        Assert.Equal("Hamlet", second.Event.Title);
        Assert.Equal(hits + 1, Metrics.Hits);
        Assert.Equal(loads + 1, Metrics.Loads);
        var ttl = await Redis.KeyTimeToLiveAsync(CatalogCache.ShowKey(Guid.Parse(show.Id)));
        Assert.NotNull(ttl);   // entries always expire
    }

    [Fact]
    public async Task Hundred_concurrent_reads_of_a_cold_key_load_from_the_database_once()
    {
        var show = await NewShowAsync(20);
        Assert.False(await Redis.KeyExistsAsync(CatalogCache.ShowKey(Guid.Parse(show.Id))));
        var loads = Metrics.Loads;
        var reads = Enumerable.Range(0, 100).Select(_ => fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct).ResponseAsync);
        var shows = await Task.WhenAll(reads);
        Assert.All(shows, s => Assert.Equal(show.Id, s.Id));
        Assert.Equal(loads + 1, Metrics.Loads);

        var seatLoads = Metrics.Loads;
        var seatReads = Enumerable.Range(0, 100).Select(_ => fixture.Client.ListShowSeatsAsync(new ListShowSeatsRequest { Id = show.Id }, cancellationToken: Ct).ResponseAsync);
        Assert.All(await Task.WhenAll(seatReads), s => Assert.Equal(11, s.Seats.Count));
        Assert.Equal(seatLoads + 1, Metrics.Loads);
    }

    [Fact]
    public async Task A_write_invalidates_the_cached_show_and_seat_map()
    {
        var show = await NewShowAsync(30);
        await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct);
        await fixture.Client.ListShowSeatsAsync(new ListShowSeatsRequest { Id = show.Id }, cancellationToken: Ct);
        Assert.True(await Redis.KeyExistsAsync(CatalogCache.SeatMapKey(Guid.Parse(show.Id))));

        await fixture.Client.CancelShowAsync(new CancelShowRequest { Id = show.Id }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.False(await Redis.KeyExistsAsync(CatalogCache.ShowKey(Guid.Parse(show.Id))));
        Assert.False(await Redis.KeyExistsAsync(CatalogCache.SeatMapKey(Guid.Parse(show.Id))));
        Assert.Equal(ShowStatus.Cancelled, (await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct)).Status);

        // Renaming the venue invalidates the show too (it carries the venue's name).
        await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct);
        var rename = Builders.Venue(name: "Renamed Hall");
        rename.CityId = "";
        await fixture.Client.UpdateVenueAsync(new UpdateVenueRequest { Id = show.VenueId, Venue = rename }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.Equal("Renamed Hall", (await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct)).VenueName);
    }

    [Fact]
    public async Task Hit_ratio_counts_hits_over_all_reads()
    {
        var show = await NewShowAsync(40);
        for (var i = 0; i < 4; i++) await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct);
        Assert.InRange(Metrics.HitRatio, 0.0001, 1.0);
        Assert.Equal((double)Metrics.Hits / (Metrics.Hits + Metrics.Misses), Metrics.HitRatio, 6);
    }

    private async Task ExecuteAsync(string sql, Guid id)
    {
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("id", id);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
