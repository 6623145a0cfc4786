using Mesh.Rating.Tests.Support;
using Mesh.Rating.V1;

namespace Mesh.Rating.Tests;

/// <summary>Authors change only their own reviews; nobody votes on or reports their own; only moderators hide and restore.</summary>
public sealed class AuthorizationTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(Caller Author, Review Review, string Item)> ReviewedAsync(int stars = 4)
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var author = fixture.NewCustomer();
        await fixture.BookAsync(author.Id, showId);
        var review = await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = $"events/{eventId}", Review = new Review { Stars = stars, Title = "t", Text = "x" } }, author.Bearer, cancellationToken: Ct);
        return (author, review, $"events/{eventId}");
    }

    [Fact]
    public async Task Someone_else_cannot_edit_or_delete_a_review_and_it_stays_as_it_was()
    {
        var (_, review, item) = await ReviewedAsync(stars: 4);
        var mallory = fixture.NewCustomer();

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.UpdateReviewAsync(new UpdateReviewRequest { Id = review.Id, Review = new Review { Stars = 1, Title = "bad", Text = "bad" } }, mallory.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.DeleteReviewAsync(new DeleteReviewRequest { Id = review.Id }, mallory.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);

        Assert.Equal(4, await fixture.RatingScalarAsync<int>("SELECT stars FROM reviews WHERE id = @id", new { id = Guid.Parse(review.Id) }));
        var rating = await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = item }, cancellationToken: Ct);
        Assert.Equal((1, 4.0), (rating.Count, rating.Average));
    }

    [Fact]
    public async Task An_author_cannot_vote_on_or_report_their_own_review()
    {
        var (author, review, _) = await ReviewedAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.VoteReviewAsync(new VoteReviewRequest { Id = review.Id }, author.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ReportReviewAsync(new ReportReviewRequest { Id = review.Id, Reason = "mine" }, author.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal(0, await fixture.RatingScalarAsync<int>("SELECT helpful_count FROM reviews WHERE id = @id", new { id = Guid.Parse(review.Id) }));
        Assert.Equal(0, await fixture.RatingScalarAsync<long>("SELECT count(*) FROM review_votes WHERE review_id = @id", new { id = Guid.Parse(review.Id) }));
    }

    [Fact]
    public async Task A_vote_counts_once_per_user()
    {
        var (_, review, _) = await ReviewedAsync();
        var fan = fixture.NewCustomer();
        var first = await fixture.Client.VoteReviewAsync(new VoteReviewRequest { Id = review.Id }, fan.Bearer, cancellationToken: Ct);
        var again = await fixture.Client.VoteReviewAsync(new VoteReviewRequest { Id = review.Id }, fan.Bearer, cancellationToken: Ct);
        Assert.Equal((1, 1), (first.HelpfulCount, again.HelpfulCount));
    }

    [Fact]
    public async Task A_customer_cannot_hide_or_restore()
    {
        var (_, review, _) = await ReviewedAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.HideReviewAsync(new ModerateReviewRequest { Id = review.Id, Reason = "spam" }, fixture.NewCustomer().Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("VISIBLE", await fixture.RatingScalarAsync<string>("SELECT state FROM reviews WHERE id = @id", new { id = Guid.Parse(review.Id) }));
    }

    [Fact]
    public async Task The_author_deletes_their_own_review()
    {
        var (author, review, item) = await ReviewedAsync();
        await fixture.Client.DeleteReviewAsync(new DeleteReviewRequest { Id = review.Id }, author.Bearer, cancellationToken: Ct);
        Assert.Equal(0, await fixture.RatingScalarAsync<long>("SELECT count(*) FROM reviews WHERE item = @item", new { item }));
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.DeleteReviewAsync(new DeleteReviewRequest { Id = review.Id }, author.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }
}
