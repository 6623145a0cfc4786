using Mesh.Rating.Tests.Support;
using Mesh.Rating.V1;

namespace Mesh.Rating.Tests;

/// <summary>Only a customer with a confirmed booking of the item that has started may review it (asked of the real booking service).</summary>
public sealed class VerifiedPurchaseTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Review Good(int stars = 4) => new() { Stars = stars, Title = "Great night", Text = "Loud, warm, worth it." };

    private Task<Review> ReviewAsync(Caller caller, string item, Review? review = null) =>
        fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = review ?? Good() }, caller.Bearer, cancellationToken: Ct).ResponseAsync;

    private Task<long> ReviewCountAsync(string item) => fixture.RatingScalarAsync<long>("SELECT count(*) FROM reviews WHERE item = @item", new { item });

    [Fact]
    public async Task A_customer_who_attended_a_show_of_the_event_reviews_it_verified_and_the_aggregate_counts_it()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var alice = fixture.NewCustomer();
        var booking = await fixture.BookAsync(alice.Id, showId);

        var review = await ReviewAsync(alice, $"events/{eventId}", new Review { Stars = 5, Title = "Wow", Text = "Best gig.", Aspects = { ["sound"] = 4 } });

        Assert.True(review.Verified);
        Assert.Equal((5, $"events/{eventId}", alice.Id, ReviewState.Visible), (review.Stars, review.Item, review.AuthorId, review.State));
        Assert.Equal(4, review.Aspects["sound"]);
        Assert.Equal(booking.ToString(), await fixture.RatingScalarAsync<string>("SELECT purchase->>'booking_id' FROM reviews WHERE id = @id", new { id = Guid.Parse(review.Id) }));
        var rating = await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = $"events/{eventId}" }, cancellationToken: Ct);
        Assert.Equal((1, 5.0, RatingFixture.City), (rating.Count, rating.Average, rating.CityId));
        Assert.Equal([0, 0, 0, 0, 1], rating.Histogram);
    }

    [Fact]
    public async Task The_venue_of_an_attended_show_and_of_an_attended_service_and_the_service_itself_can_be_reviewed()
    {
        var (_, showId, venueId) = fixture.AddEventWithShow();
        var bob = fixture.NewCustomer();
        await fixture.BookAsync(bob.Id, showId);
        Assert.True((await ReviewAsync(bob, $"venues/{venueId}")).Verified);

        var spa = fixture.Catalog.AddVenue("hamburg");
        var yoga = fixture.Catalog.AddService(spa);
        var carol = fixture.NewCustomer();
        await fixture.BookAsync(carol.Id, serviceId: yoga);
        Assert.True((await ReviewAsync(carol, $"services/{yoga}")).Verified);
        Assert.True((await ReviewAsync(carol, $"venues/{spa}")).Verified);
        var rating = await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = $"services/{yoga}" }, cancellationToken: Ct);
        Assert.Equal("hamburg", rating.CityId);
    }

    [Fact]
    public async Task A_customer_without_a_purchase_is_refused_and_nothing_is_written()
    {
        var (eventId, _, venueId) = fixture.AddEventWithShow();
        var (otherEvent, otherShow, _) = fixture.AddEventWithShow();
        var dave = fixture.NewCustomer();
        await fixture.BookAsync(dave.Id, otherShow);   // a booking of a different event

        var e = await Assert.ThrowsAsync<RpcException>(() => ReviewAsync(dave, $"events/{eventId}"));
        Assert.Equal((StatusCode.FailedPrecondition, "NOT_PURCHASED"), (e.StatusCode, Errors.Reason(e)));
        e = await Assert.ThrowsAsync<RpcException>(() => ReviewAsync(dave, $"venues/{venueId}"));
        Assert.Equal("NOT_PURCHASED", Errors.Reason(e));
        Assert.Equal(0, await ReviewCountAsync($"events/{eventId}"));
        Assert.Equal(0, await fixture.RatingScalarAsync<long>("SELECT count(*) FROM item_ratings WHERE item = @item", new { item = $"events/{eventId}" }));
        Assert.NotNull(otherEvent);
    }

    [Fact]
    public async Task A_customer_whose_booking_was_cancelled_is_refused()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var erin = fixture.NewCustomer();
        await fixture.BookAsync(erin.Id, showId, status: "CANCELLED");

        var e = await Assert.ThrowsAsync<RpcException>(() => ReviewAsync(erin, $"events/{eventId}"));

        Assert.Equal((StatusCode.FailedPrecondition, "NOT_PURCHASED"), (e.StatusCode, Errors.Reason(e)));
        Assert.Equal(0, await ReviewCountAsync($"events/{eventId}"));
    }

    [Fact]
    public async Task A_confirmed_booking_of_a_show_that_has_not_started_yet_does_not_count()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var frank = fixture.NewCustomer();
        await fixture.BookAsync(frank.Id, showId, startsIn: TimeSpan.FromDays(3));

        var e = await Assert.ThrowsAsync<RpcException>(() => ReviewAsync(frank, $"events/{eventId}"));
        Assert.Equal("NOT_PURCHASED", Errors.Reason(e));
    }

    [Fact]
    public async Task Products_cannot_be_bought_yet_so_their_reviews_are_refused_and_unknown_items_are_not_found()
    {
        var product = fixture.Catalog.AddProduct(fixture.Catalog.AddVenue(RatingFixture.City));
        var gina = fixture.NewCustomer();

        var e = await Assert.ThrowsAsync<RpcException>(() => ReviewAsync(gina, $"products/{product}"));
        Assert.Equal((StatusCode.FailedPrecondition, "NOT_SOLD_YET"), (e.StatusCode, Errors.Reason(e)));

        e = await Assert.ThrowsAsync<RpcException>(() => ReviewAsync(gina, $"events/{Guid.NewGuid()}"));
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task A_review_without_a_token_is_unauthenticated()
    {
        var (eventId, _, _) = fixture.AddEventWithShow();
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = $"events/{eventId}", Review = Good() }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }
}
