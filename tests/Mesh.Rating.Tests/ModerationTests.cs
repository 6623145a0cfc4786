using Mesh.Rating.Tests.Support;
using Mesh.Rating.V1;

namespace Mesh.Rating.Tests;

/// <summary>Hidden reviews leave the aggregate and the listing; a restore brings them back; enough reports hide a review.</summary>
public sealed class ModerationTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string Item, Review Low, Review High)> TwoReviewsAsync()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var item = $"events/{eventId}";
        var (alice, bob) = (fixture.NewCustomer(), fixture.NewCustomer());
        await fixture.BookAsync(alice.Id, showId);
        await fixture.BookAsync(bob.Id, showId);
        var low = await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 1, Title = "t", Text = "x" } }, alice.Bearer, cancellationToken: Ct);
        var high = await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 5, Title = "t", Text = "x" } }, bob.Bearer, cancellationToken: Ct);
        return (item, low, high);
    }

    private async Task<ItemRating> RatingAsync(string item) => await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = item }, cancellationToken: Ct);

    private async Task<IReadOnlyList<string>> ListedAsync(string item) =>
        (await fixture.Client.ListReviewsAsync(new ListReviewsRequest { Item = item }, cancellationToken: Ct)).Reviews.Select(r => r.Id).ToList();

    [Fact]
    public async Task A_moderator_hides_a_review_out_of_the_aggregate_and_restores_it_back_in()
    {
        var (item, low, high) = await TwoReviewsAsync();
        var moderator = fixture.NewModerator();
        Assert.Equal((2, 3.0), ((await RatingAsync(item)).Count, (await RatingAsync(item)).Average));

        var hidden = await fixture.Client.HideReviewAsync(new ModerateReviewRequest { Id = low.Id, Reason = "abusive language" }, moderator.Bearer, cancellationToken: Ct);
        Assert.Equal((ReviewState.Hidden, "abusive language"), (hidden.State, hidden.HiddenReason));
        var rating = await RatingAsync(item);
        Assert.Equal((1, 5.0), (rating.Count, rating.Average));
        Assert.Equal([0, 0, 0, 0, 1], rating.Histogram);
        Assert.Equal([high.Id], await ListedAsync(item));

        // Hiding again changes nothing (the aggregate does not lose the stars twice).
        await fixture.Client.HideReviewAsync(new ModerateReviewRequest { Id = low.Id, Reason = "again" }, moderator.Bearer, cancellationToken: Ct);
        Assert.Equal(1, (await RatingAsync(item)).Count);

        var restored = await fixture.Client.RestoreReviewAsync(new ModerateReviewRequest { Id = low.Id, Reason = "appeal upheld" }, moderator.Bearer, cancellationToken: Ct);
        Assert.Equal(ReviewState.Visible, restored.State);
        rating = await RatingAsync(item);
        Assert.Equal((2, 3.0), (rating.Count, rating.Average));
        Assert.Equal([1, 0, 0, 0, 1], rating.Histogram);
        Assert.Equal(2, (await ListedAsync(item)).Count);
        Assert.Equal(["HIDE", "RESTORE"], await fixture.RatingQueryAsync<string>(
            "SELECT action FROM review_moderations WHERE review_id = @id ORDER BY create_time", new { id = Guid.Parse(low.Id) }));
    }

    [Fact]
    public async Task Reports_by_several_users_hide_a_review_pending_review_and_a_restore_resets_the_count()
    {
        var (item, low, _) = await TwoReviewsAsync();
        var reporters = Enumerable.Range(0, RatingFixture.ReportsToHide).Select(_ => fixture.NewCustomer()).ToList();

        // The same user reporting again does not count twice.
        await fixture.Client.ReportReviewAsync(new ReportReviewRequest { Id = low.Id, Reason = "spam" }, reporters[0].Bearer, cancellationToken: Ct);
        await fixture.Client.ReportReviewAsync(new ReportReviewRequest { Id = low.Id, Reason = "spam" }, reporters[0].Bearer, cancellationToken: Ct);
        var afterTwo = await fixture.Client.ReportReviewAsync(new ReportReviewRequest { Id = low.Id, Reason = "spam" }, reporters[1].Bearer, cancellationToken: Ct);
        Assert.Equal(ReviewState.Visible, afterTwo.State);
        Assert.Equal(2, (await RatingAsync(item)).Count);

        var afterThree = await fixture.Client.ReportReviewAsync(new ReportReviewRequest { Id = low.Id, Reason = "spam" }, reporters[2].Bearer, cancellationToken: Ct);
        Assert.Equal(ReviewState.Hidden, afterThree.State);
        Assert.Equal((1, 5.0), ((await RatingAsync(item)).Count, (await RatingAsync(item)).Average));

        await fixture.Client.RestoreReviewAsync(new ModerateReviewRequest { Id = low.Id, Reason = "fine after all" }, fixture.NewModerator().Bearer, cancellationToken: Ct);
        Assert.Equal(2, (await RatingAsync(item)).Count);
        // One new report after the restore does not hide it again: the earlier reports were decided on.
        var again = await fixture.Client.ReportReviewAsync(new ReportReviewRequest { Id = low.Id, Reason = "still spam" }, fixture.NewCustomer().Bearer, cancellationToken: Ct);
        Assert.Equal(ReviewState.Visible, again.State);
    }

    [Fact]
    public async Task Editing_or_deleting_a_hidden_review_leaves_the_aggregate_alone()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var item = $"events/{eventId}";
        var alice = fixture.NewCustomer();
        await fixture.BookAsync(alice.Id, showId);
        var review = await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 2, Title = "t", Text = "x" } }, alice.Bearer, cancellationToken: Ct);
        await fixture.Client.HideReviewAsync(new ModerateReviewRequest { Id = review.Id, Reason = "off topic" }, fixture.NewModerator().Bearer, cancellationToken: Ct);

        await fixture.Client.UpdateReviewAsync(new UpdateReviewRequest { Id = review.Id, Review = new Review { Stars = 5, Title = "t", Text = "x" } }, alice.Bearer, cancellationToken: Ct);
        Assert.Equal(0, (await RatingAsync(item)).Count);
        await fixture.Client.RestoreReviewAsync(new ModerateReviewRequest { Id = review.Id, Reason = "ok" }, fixture.NewModerator().Bearer, cancellationToken: Ct);
        Assert.Equal([0, 0, 0, 0, 1], (await RatingAsync(item)).Histogram);   // it comes back with its current stars
        await fixture.Client.HideReviewAsync(new ModerateReviewRequest { Id = review.Id, Reason = "off topic" }, fixture.NewModerator().Bearer, cancellationToken: Ct);
        await fixture.Client.DeleteReviewAsync(new DeleteReviewRequest { Id = review.Id }, alice.Bearer, cancellationToken: Ct);
        Assert.Equal([0, 0, 0, 0, 0], (await RatingAsync(item)).Histogram);
    }
}
