using Mesh.Rating.Tests.Support;
using Mesh.Rating.V1;

namespace Mesh.Rating.Tests;

/// <summary>An item's reviews by newest, most helpful or stars, paged with tokens that cover every review once.</summary>
public sealed class ListingTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string Item, List<Review> Reviews)> ReviewsAsync(params int[] stars)
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var item = $"events/{eventId}";
        var reviews = new List<Review>();
        foreach (var s in stars)
        {
            var author = fixture.NewCustomer();
            await fixture.BookAsync(author.Id, showId);
            reviews.Add(await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = s, Title = "t", Text = "x" } }, author.Bearer, cancellationToken: Ct));
        }
        return (item, reviews);
    }

    private async Task<List<Review>> AllPagesAsync(string item, ReviewOrder order, int pageSize)
    {
        var all = new List<Review>();
        var request = new ListReviewsRequest { Item = item, Order = order, PageSize = pageSize };
        do
        {
            var page = await fixture.Client.ListReviewsAsync(request, cancellationToken: Ct);
            Assert.True(page.Reviews.Count <= pageSize);
            all.AddRange(page.Reviews);
            request.PageToken = page.NextPageToken;
        } while (request.PageToken.Length > 0);
        return all;
    }

    [Fact]
    public async Task Orders_and_pages_cover_every_visible_review_once_with_verified_and_helpful_counts()
    {
        var (item, reviews) = await ReviewsAsync(3, 5, 1, 4, 2, 5, 3);
        for (var i = 0; i < 3; i++)
            await fixture.Client.VoteReviewAsync(new VoteReviewRequest { Id = reviews[2].Id }, fixture.NewCustomer().Bearer, cancellationToken: Ct);
        await fixture.Client.VoteReviewAsync(new VoteReviewRequest { Id = reviews[4].Id }, fixture.NewCustomer().Bearer, cancellationToken: Ct);

        var newest = await AllPagesAsync(item, ReviewOrder.Newest, 2);
        Assert.Equal(reviews.Select(r => r.Id).Reverse(), newest.Select(r => r.Id));
        Assert.All(newest, r => Assert.True(r.Verified));

        var helpful = await AllPagesAsync(item, ReviewOrder.MostHelpful, 3);
        Assert.Equal([reviews[2].Id, reviews[4].Id], helpful.Take(2).Select(r => r.Id));
        Assert.Equal([3, 1, 0], helpful.Take(3).Select(r => r.HelpfulCount));
        Assert.Equal(7, helpful.Select(r => r.Id).Distinct().Count());

        var highest = await AllPagesAsync(item, ReviewOrder.HighestRated, 2);
        Assert.Equal([5, 5, 4, 3, 3, 2, 1], highest.Select(r => r.Stars));
        Assert.Equal(reviews[5].Id, highest[0].Id);   // the newer of the two fives first
        var lowest = await AllPagesAsync(item, ReviewOrder.LowestRated, 4);
        Assert.Equal([1, 2, 3, 3, 4, 5, 5], lowest.Select(r => r.Stars));
    }

    [Fact]
    public async Task A_token_from_another_listing_or_garbage_is_refused_by_name()
    {
        var (item, _) = await ReviewsAsync(1, 2, 3);
        var page = await fixture.Client.ListReviewsAsync(new ListReviewsRequest { Item = item, PageSize = 1 }, cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListReviewsAsync(new ListReviewsRequest { Item = item, PageSize = 1, Order = ReviewOrder.MostHelpful, PageToken = page.NextPageToken }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["page_token"], Errors.Fields(e));
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListReviewsAsync(new ListReviewsRequest { Item = item, PageToken = "garbage!" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["page_token"], Errors.Fields(e));
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListReviewsAsync(new ListReviewsRequest { Item = item, PageSize = 101 }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["page_size"], Errors.Fields(e));
    }
}
