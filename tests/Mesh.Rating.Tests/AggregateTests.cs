using Mesh.Rating.Tests.Support;
using Mesh.Rating.V1;

namespace Mesh.Rating.Tests;

/// <summary>Aggregates move with every write, in the write's transaction: under concurrency they equal a recomputation from the rows.</summary>
public sealed class AggregateTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Recount(long S1, long S2, long S3, long S4, long S5);

    private async Task<(Recount FromRows, Recount Stored, ItemRating Served)> CompareAsync(string item)
    {
        var fromRows = (await fixture.RatingQueryAsync<Recount>("""
            SELECT count(*) FILTER (WHERE stars = 1) AS S1, count(*) FILTER (WHERE stars = 2) AS S2, count(*) FILTER (WHERE stars = 3) AS S3,
                   count(*) FILTER (WHERE stars = 4) AS S4, count(*) FILTER (WHERE stars = 5) AS S5
            FROM reviews WHERE item = @item AND state = 'VISIBLE'
            """, new { item }))[0];
        var stored = (await fixture.RatingQueryAsync<Recount>(
            "SELECT stars1::bigint AS S1, stars2::bigint AS S2, stars3::bigint AS S3, stars4::bigint AS S4, stars5::bigint AS S5 FROM item_ratings WHERE item = @item",
            new { item }))[0];
        var served = await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = item }, cancellationToken: Ct);
        return (fromRows, stored, served);
    }

    [Fact]
    public async Task Two_hundred_concurrent_reviews_votes_and_edits_on_one_item_leave_aggregates_equal_to_a_recount_of_the_rows()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var item = $"events/{eventId}";
        var customers = Enumerable.Range(0, 200).Select(_ => fixture.NewCustomer()).ToList();
        foreach (var c in customers) await fixture.BookAsync(c.Id, showId);

        // Twenty reviews first, so votes and edits have something to land on while the other 180 are written.
        var first = new List<Review>();
        for (var i = 0; i < 20; i++)
            first.Add(await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = i % 5 + 1, Title = "t", Text = "x" } }, customers[i].Bearer, cancellationToken: Ct));

        var work = new List<Task>();
        for (var i = 20; i < 200; i++)
        {
            var (caller, stars) = (customers[i], i * 7 % 5 + 1);
            work.Add(fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = stars, Title = "t", Text = "x" } }, caller.Bearer, cancellationToken: Ct).ResponseAsync);
        }
        for (var i = 0; i < 200; i++)
        {
            var (voter, target) = (customers[i], first[i % 20]);
            if (target.AuthorId == voter.Id) continue;
            work.Add(fixture.Client.VoteReviewAsync(new VoteReviewRequest { Id = target.Id }, voter.Bearer, cancellationToken: Ct).ResponseAsync);
            work.Add(fixture.Client.VoteReviewAsync(new VoteReviewRequest { Id = target.Id }, voter.Bearer, cancellationToken: Ct).ResponseAsync); // the same vote again
        }
        for (var i = 0; i < 20; i++)
            work.Add(fixture.Client.UpdateReviewAsync(new UpdateReviewRequest
            {
                Id = first[i].Id, Review = new Review { Stars = 5 - i % 5 }, UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "stars" } },
            }, customers[i].Bearer, cancellationToken: Ct).ResponseAsync);
        await Task.WhenAll(work);

        var (fromRows, stored, served) = await CompareAsync(item);
        Assert.Equal(fromRows, stored);
        Assert.Equal(200, served.Count);
        Assert.Equal([fromRows.S1, fromRows.S2, fromRows.S3, fromRows.S4, fromRows.S5], served.Histogram.Select(h => (long)h));
        var sum = fromRows.S1 + 2 * fromRows.S2 + 3 * fromRows.S3 + 4 * fromRows.S4 + 5 * fromRows.S5;
        Assert.Equal(sum / 200.0, served.Average, 9);
        Assert.Equal((10 * 3.5 + sum) / (10 + 200), served.BayesianAverage, 9);

        // Helpful counts equal the votes stored, one per voter: each of the first twenty got its ten voters less itself.
        var mismatched = await fixture.RatingScalarAsync<long>("""
            SELECT count(*) FROM reviews r WHERE item = @item AND helpful_count <> (SELECT count(*) FROM review_votes v WHERE v.review_id = r.id)
            """, new { item });
        Assert.Equal(0, mismatched);
        Assert.Equal(200 - 20, await fixture.RatingScalarAsync<long>(
            "SELECT sum(helpful_count) FROM reviews WHERE item = @item", new { item }));
    }

    [Fact]
    public async Task Editing_stars_moves_the_aggregate_by_the_difference_and_deleting_takes_the_review_out()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var item = $"events/{eventId}";
        var (alice, bob) = (fixture.NewCustomer(), fixture.NewCustomer());
        await fixture.BookAsync(alice.Id, showId);
        await fixture.BookAsync(bob.Id, showId);
        var a = await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 1, Title = "t", Text = "x" } }, alice.Bearer, cancellationToken: Ct);
        await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 5, Title = "t", Text = "x" } }, bob.Bearer, cancellationToken: Ct);

        await fixture.Client.UpdateReviewAsync(new UpdateReviewRequest { Id = a.Id, Review = new Review { Stars = 3, Title = "better", Text = "on reflection" } }, alice.Bearer, cancellationToken: Ct);
        var rating = await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = item }, cancellationToken: Ct);
        Assert.Equal([0, 0, 1, 0, 1], rating.Histogram);
        Assert.Equal(4.0, rating.Average);

        await fixture.Client.DeleteReviewAsync(new DeleteReviewRequest { Id = a.Id }, alice.Bearer, cancellationToken: Ct);
        rating = await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = item }, cancellationToken: Ct);
        Assert.Equal([0, 0, 0, 0, 1], rating.Histogram);
        Assert.Equal((1, 5.0), (rating.Count, rating.Average));
        var (fromRows, stored, _) = await CompareAsync(item);
        Assert.Equal(fromRows, stored);
    }

    [Fact]
    public async Task An_item_without_reviews_answers_zeros_and_the_prior()
    {
        var rating = await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = $"venues/{Guid.NewGuid()}" }, cancellationToken: Ct);
        Assert.Equal((0, 0.0, 3.5), (rating.Count, rating.Average, rating.BayesianAverage));
        Assert.Equal([0, 0, 0, 0, 0], rating.Histogram);
    }
}
