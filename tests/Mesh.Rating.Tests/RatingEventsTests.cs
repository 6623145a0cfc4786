using System.Text.Json;
using Mesh.Rating.Events;
using Mesh.Rating.Tests.Support;
using Mesh.Rating.V1;

namespace Mesh.Rating.Tests;

/// <summary>Each change of an aggregate writes its rating.changed event in the same transaction (outbox); a refused write writes none.</summary>
public sealed class RatingEventsTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<IReadOnlyList<RatingChanged>> EventsAsync(string item) =>
        (await fixture.RatingQueryAsync<byte[]>("SELECT body FROM mesh_outbox WHERE type = 'rating.changed' ORDER BY seq"))
            .Select(b => JsonSerializer.Deserialize<RatingChanged>(b)!).Where(e => e.Item == item).ToList();

    [Fact]
    public async Task Every_aggregate_change_is_announced_with_its_version_and_a_refused_write_announces_nothing()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var item = $"events/{eventId}";
        var (alice, bob) = (fixture.NewCustomer(), fixture.NewCustomer());
        await fixture.BookAsync(alice.Id, showId);
        await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 4, Title = "t", Text = "x" } }, bob.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Empty(await EventsAsync(item));

        var review = await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 4, Title = "t", Text = "x" } }, alice.Bearer, cancellationToken: Ct);
        await fixture.Client.VoteReviewAsync(new VoteReviewRequest { Id = review.Id }, bob.Bearer, cancellationToken: Ct);   // no aggregate change
        await fixture.Client.HideReviewAsync(new ModerateReviewRequest { Id = review.Id, Reason = "test" }, fixture.NewModerator().Bearer, cancellationToken: Ct);

        var events = await EventsAsync(item);
        Assert.Equal([1L, 2L], events.Select(e => e.Version));
        Assert.Equal((1, 4.0, RatingFixture.City), (events[0].Count, events[0].Average, events[0].CityId));
        Assert.Equal([0, 0, 0, 1, 0], events[0].Histogram);
        Assert.Equal((0, 3.5), (events[1].Count, events[1].BayesianAverage));
    }
}
