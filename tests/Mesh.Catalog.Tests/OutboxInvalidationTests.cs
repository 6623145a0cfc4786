using System.Text.Json;
using Mesh.Catalog.Cache;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;

namespace Mesh.Catalog.Tests;

/// <summary>
/// With a broker, every write adds a change event to the outbox in its own transaction; the relay publishes it and the
/// catalog's consumer deletes what it names — including a stale copy that a racing read cached after the write's
/// own best-effort delete.
/// </summary>
public sealed class OutboxInvalidationTests(OutboxInvalidationTests.WithBroker fixture) : IClassFixture<OutboxInvalidationTests.WithBroker>
{
    public sealed class WithBroker(TestServers servers) : CatalogFixture(servers)
    {
        protected override bool UseMessaging => true;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);   // a hang guard, not a timing assertion
    private IDatabase Redis => fixture.Services.GetRequiredService<IDatabase>();

    private async Task<Show> NewShowAsync(int hoursAhead)
    {
        var a = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        return await fixture.Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(a.Event.Id, a.Screen.Id, Builders.HoursAhead(hoursAhead)) }, fixture.AsPartnerA, cancellationToken: Ct);
    }

    [Fact]
    public async Task A_write_and_its_change_event_commit_together_and_the_event_is_consumed()
    {
        var show = await NewShowAsync(10);
        await fixture.Client.CancelShowAsync(new CancelShowRequest { Id = show.Id }, fixture.AsPartnerA, cancellationToken: Ct);

        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await using (var command = new NpgsqlCommand("SELECT id, body FROM mesh_outbox WHERE type = 'catalog.show_changed' ORDER BY seq", db))
        {
            var found = new List<Guid>();
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                var body = JsonDocument.Parse((byte[])reader[1]).RootElement;
                if (body.GetProperty("Id").GetString() == show.Id && body.GetProperty("ShowIds")[0].GetString() == show.Id) found.Add(reader.GetGuid(0));
            }
            Assert.Equal(2, found.Count);   // created, cancelled
        }

        // Both are relayed and handled by the catalog's own consumer (recorded in its inbox).
        await PollAsync(async () =>
        {
            await using var command = new NpgsqlCommand("""
                SELECT count(*) FROM mesh_outbox o JOIN mesh_inbox i ON i.message_id = o.id AND i.consumer = 'catalog.cache-invalidation'
                WHERE o.type = 'catalog.show_changed' AND convert_from(o.body, 'UTF8')::jsonb->>'Id' = @id
                """, db);
            command.Parameters.AddWithValue("id", show.Id);
            return (long)(await command.ExecuteScalarAsync(Ct))! == 2;
        });
    }

    [Fact]
    public async Task A_new_show_is_announced_with_its_city_in_the_same_transaction()
    {
        var show = await NewShowAsync(30);
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT convert_from(body, 'UTF8') FROM mesh_outbox WHERE type = 'catalog.show_created'", db);
        var bodies = new List<JsonElement>();
        await using (var reader = await command.ExecuteReaderAsync(Ct))
            while (await reader.ReadAsync(Ct)) bodies.Add(JsonDocument.Parse(reader.GetString(0)).RootElement);
        var created = Assert.Single(bodies, b => b.GetProperty("ShowId").GetString() == show.Id);
        Assert.Equal(show.CityId, created.GetProperty("CityId").GetString());
        Assert.Equal(show.EventId, created.GetProperty("EventId").GetString());
        Assert.False(string.IsNullOrEmpty(created.GetProperty("EventTitle").GetString()));
    }

    [Fact]
    public async Task A_stale_copy_recached_by_a_racing_read_is_removed_when_the_event_lands()
    {
        var show = await NewShowAsync(20);
        // The creation's own event must land before the copy is taken, or it could delete that copy.
        await WaitForInboxToCatchUpAsync();
        var key = CatalogCache.ShowKey(Guid.Parse(show.Id));
        await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct);
        byte[] stale = (await Redis.StringGetAsync(key))!;
        Assert.NotNull(stale);

        // Hold the consumer back: its inbox insert waits on this lock, so the event cannot land before the race below.
        await using var blocker = new NpgsqlConnection(fixture.ConnectionString);
        await blocker.OpenAsync(Ct);
        var hold = await blocker.BeginTransactionAsync(Ct);
        await using (var lockInbox = new NpgsqlCommand("LOCK TABLE mesh_inbox IN EXCLUSIVE MODE", blocker, hold))
            await lockInbox.ExecuteNonQueryAsync(Ct);

        await fixture.Client.CancelShowAsync(new CancelShowRequest { Id = show.Id }, fixture.AsPartnerA, cancellationToken: Ct);
        Assert.False(await Redis.KeyExistsAsync(key));   // the best-effort delete after commit ran …
        await Redis.StringSetAsync(key, stale, TimeSpan.FromMinutes(5));   // … and then a read that loaded the old row re-cached it
        Assert.Equal(ShowStatus.Scheduled, (await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct)).Status);

        await hold.CommitAsync(Ct);   // the event lands
        await PollAsync(async () => (await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct)).Status == ShowStatus.Cancelled);
    }

    [Fact]
    public async Task The_event_alone_clears_the_cache_when_the_write_could_not()
    {
        // A write made by another replica (or whose after-commit delete failed): only the outbox row exists.
        var show = await NewShowAsync(30);
        await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct);
        var store = fixture.Services.GetRequiredService<CatalogStore>();
        await store.CancelShowAsync(Guid.Parse(show.Id));   // the store writes state + event; nobody deletes the key here
        await PollAsync(async () => (await fixture.Client.GetShowAsync(new GetShowRequest { Id = show.Id }, cancellationToken: Ct)).Status == ShowStatus.Cancelled);
    }

    private async Task WaitForInboxToCatchUpAsync()
    {
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await PollAsync(async () =>
        {
            await using var command = new NpgsqlCommand(
                // Only the change events the catalog consumes itself (catalog.show_created is for the notification service).
                "SELECT count(*) FROM mesh_outbox o WHERE o.type LIKE 'catalog.%\\_changed' AND NOT EXISTS (SELECT 1 FROM mesh_inbox i WHERE i.message_id = o.id)", db);
            return (long)(await command.ExecuteScalarAsync(Ct))! == 0;
        });
    }

    private static async Task PollAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "the change event was not handled in time");
            await Task.Delay(50, Ct);
        }
    }
}
