using Mesh.Catalog.Ratings;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;
using Mesh.ServiceDefaults.Messaging;
using Mesh.Testing;
using Npgsql;

namespace Mesh.Catalog.Tests;

/// <summary>
/// The rating service's rating.changed events reach the catalog's items through RabbitMQ (its consumer, deduplicated by
/// the inbox); only a newer version replaces a summary. The event is put on the broker the way rating's relay does:
/// through an outbox (here the catalog's own, whose relay publishes to the same exchange).
/// </summary>
public sealed class RatingSummaryTests(RatingSummaryTests.WithBroker fixture) : IClassFixture<RatingSummaryTests.WithBroker>
{
    public sealed class WithBroker(TestServers servers) : CatalogFixture(servers)
    {
        protected override bool UseMessaging => true;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);   // a hang guard, not a timing assertion

    private async Task PublishAsync(RatingSummaries.RatingChanged change)
    {
        await using var db = new NpgsqlConnection(fixture.ConnectionString);
        await db.OpenAsync(Ct);
        await using var tx = await db.BeginTransactionAsync(Ct);
        await Outbox.AddAsync(tx, OutboxMessage.Json(RatingSummaries.Type, change), Ct);
        await tx.CommitAsync(Ct);
    }

    [Fact]
    public async Task A_rating_changed_event_shows_on_the_event_and_venue_and_an_older_one_never_replaces_it()
    {
        var scenario = await Scenario.CreateAsync(fixture, fixture.AsPartnerA);
        var (eventItem, venueItem) = ($"events/{scenario.Event.Id}", $"venues/{scenario.Venue.Id}");
        Assert.Null((await fixture.Client.GetEventAsync(new GetEventRequest { Id = scenario.Event.Id }, cancellationToken: Ct)).Rating);

        await PublishAsync(new(eventItem, 3, 4.0, 3.62, 3));
        await PublishAsync(new(venueItem, 1, 5.0, 3.64, 1));
        var until = DateTime.UtcNow + Deadline;
        Event ev;
        while ((ev = await fixture.Client.GetEventAsync(new GetEventRequest { Id = scenario.Event.Id }, cancellationToken: Ct)).Rating is null
               || (await fixture.Client.GetVenueAsync(new GetVenueRequest { Id = scenario.Venue.Id }, cancellationToken: Ct)).Rating is null)
        {
            Assert.True(DateTime.UtcNow < until, "the rating.changed events were not handled in time");
            await Task.Delay(50, Ct);
        }
        Assert.Equal((3, 4.0, 3.62), (ev.Rating.Count, ev.Rating.Average, ev.Rating.BayesianAverage));
        var venues = await fixture.Client.ListVenuesAsync(new ListVenuesRequest { City = "berlin", PageSize = 100 }, cancellationToken: Ct);
        Assert.Equal(1, venues.Venues.Single(v => v.Id == scenario.Venue.Id).Rating.Count);

        // An older change (delivered late) is ignored; a newer one wins.
        await using (var db = new NpgsqlConnection(fixture.ConnectionString))
        {
            await db.OpenAsync(Ct);
            await using var tx = await db.BeginTransactionAsync(Ct);
            Assert.False(await RatingSummaries.ApplyAsync(tx, new(eventItem, 2, 3.0, 3.4, 2)));
            Assert.True(await RatingSummaries.ApplyAsync(tx, new(eventItem, 4, 4.25, 3.71, 4)));
            await tx.CommitAsync(Ct);
        }
        ev = await fixture.Client.GetEventAsync(new GetEventRequest { Id = scenario.Event.Id }, cancellationToken: Ct);
        Assert.Equal((4, 4.25), (ev.Rating.Count, ev.Rating.Average));
    }
}
