using Mesh.Rating.Aggregates;
using Mesh.Rating.Tests.Support;
using Mesh.Rating.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Rating.Tests;

/// <summary>GET rating is served from Redis; every write replaces the copy; an older copy never overwrites a newer one.</summary>
public sealed class CacheTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RatingCache Cache => fixture.RatingServices.GetRequiredService<RatingCache>();

    [Fact]
    public async Task Reads_come_from_redis_and_each_write_replaces_the_cached_aggregate()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var item = $"events/{eventId}";
        var (alice, bob) = (fixture.NewCustomer(), fixture.NewCustomer());
        await fixture.BookAsync(alice.Id, showId);
        await fixture.BookAsync(bob.Id, showId);
        await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 4, Title = "t", Text = "x" } }, alice.Bearer, cancellationToken: Ct);
        Assert.Equal(1, (await Cache.GetAsync(item))?.Count);   // the write put its own aggregate there

        // Change the row behind the service's back: a read that still answers 1 came from Redis.
        await fixture.RatingScalarAsync<int>("UPDATE item_ratings SET stars1 = stars1 + 1 WHERE item = @item RETURNING 1", new { item });
        Assert.Equal(1, (await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = item }, cancellationToken: Ct)).Count);

        // The next write (version + 1) replaces the copy with what its transaction computed.
        await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 2, Title = "t", Text = "x" } }, bob.Bearer, cancellationToken: Ct);
        var rating = await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = item }, cancellationToken: Ct);
        Assert.Equal([1, 1, 0, 1, 0], rating.Histogram);
    }

    [Fact]
    public async Task An_older_aggregate_never_replaces_a_newer_one_in_the_cache()
    {
        var item = $"venues/{Guid.NewGuid()}";
        await Cache.StoreAsync(item, 5, new ItemRating { Item = item, Count = 5 });
        await Cache.StoreAsync(item, 4, new ItemRating { Item = item, Count = 4 });   // a slow reader's older read
        Assert.Equal(5, (await Cache.GetAsync(item))?.Count);
        await Cache.StoreAsync(item, 6, new ItemRating { Item = item, Count = 6 });
        Assert.Equal(6, (await Cache.GetAsync(item))?.Count);
    }
}
