using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;
using Npgsql;

namespace Mesh.Catalog.Tests;

/// <summary>Two scheduled shows never share a screen at once — decided by the database, so racing writers cannot both win.</summary>
public sealed class ShowOverlapTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_overlapping_shows_on_one_screen_exactly_one_wins()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var start = Builders.HoursAhead(100);
        // Twelve writers at once, each 10 minutes apart: every pair overlaps (the event runs 120 minutes).
        var attempts = Enumerable.Range(0, 12).Select(async i =>
        {
            try
            {
                await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, start.AddMinutes(i * 10)) }, fixture.AsPartnerA, cancellationToken: Ct);
                return StatusCode.OK;
            }
            catch (RpcException e) { return e.StatusCode; }
        }).ToList();
        var results = await Task.WhenAll(attempts);

        Assert.Equal(1, results.Count(r => r == StatusCode.OK));
        Assert.All(results.Where(r => r != StatusCode.OK), r => Assert.Equal(StatusCode.FailedPrecondition, r));
        Assert.Equal(1, await CountScheduledAsync(a.Screen.Id));
    }

    [Fact]
    public async Task Back_to_back_shows_fit_and_a_cancelled_show_frees_its_time()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var start = Builders.HoursAhead(200);
        var first = await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, start) }, fixture.AsPartnerA, cancellationToken: Ct);
        await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, start.AddMinutes(120)) }, fixture.AsPartnerA, cancellationToken: Ct);

        var clash = Builders.Show(a.Event.Id, a.Screen.Id, start.AddMinutes(60));
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateShowAsync(new CreateShowRequest { Show = clash }, fixture.AsPartnerA, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);

        await fixture.Client.CancelShowAsync(new CancelShowRequest { Id = first.Id }, fixture.AsPartnerA, cancellationToken: Ct);
        var replacement = Builders.Show(a.Event.Id, a.Screen.Id, start.AddMinutes(-30));
        Assert.Equal(ShowStatus.Scheduled, (await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = replacement }, fixture.AsPartnerA, cancellationToken: Ct)).Status);
    }

    [Fact]
    public async Task The_database_itself_refuses_an_overlap_and_a_show_in_the_past()
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var show = await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(300)) }, fixture.AsPartnerA, cancellationToken: Ct);

        // Straight SQL, bypassing every check in code.
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        async Task<PostgresException> InsertAsync(string startExpression)
        {
            await using var command = new NpgsqlCommand($"""
                INSERT INTO shows (id, event_id, screen_id, venue_id, city_id, start_time, end_time, currency, min_price_minor, max_price_minor, status)
                SELECT gen_random_uuid(), event_id, screen_id, venue_id, city_id, {startExpression}, {startExpression} + interval '1 hour', currency, 0, 0, 'scheduled'
                FROM shows WHERE id = @id
                """, db);
            command.Parameters.AddWithValue("id", Guid.Parse(show.Id));
            return await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));
        }
        Assert.Equal("23P01", (await InsertAsync("start_time + interval '30 minutes'")).SqlState);   // exclusion_violation
        Assert.Equal("23514", (await InsertAsync("now() - interval '1 hour'")).SqlState);           // check_violation (future start)
    }

    private async Task<long> CountScheduledAsync(string screenId)
    {
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM shows WHERE screen_id = @id AND status = 'scheduled'", db);
        command.Parameters.AddWithValue("id", Guid.Parse(screenId));
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
