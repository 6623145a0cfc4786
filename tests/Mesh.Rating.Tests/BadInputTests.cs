using Mesh.Rating.Tests.Support;
using Mesh.Rating.V1;

namespace Mesh.Rating.Tests;

/// <summary>Bad input gets INVALID_ARGUMENT naming the field (or ALREADY_EXISTS for a second review) and writes nothing.</summary>
public sealed class BadInputTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, int, string, string, string> Cases => new()
    {
        { "review.stars", 0, "Fine", "Fine.", "" },
        { "review.stars", 6, "Fine", "Fine.", "" },
        { "review.stars", -1, "Fine", "Fine.", "" },
        { "review.title", 3, "", "Fine.", "" },
        { "review.title", 3, "   ", "Fine.", "" },
        { "review.title", 3, new string('t', 121), "Fine.", "" },
        { "review.text", 3, "Fine", "", "" },
        { "review.text", 3, "Fine", new string('x', 5001), "" },
        { "review.aspects[Sound]", 3, "Fine", "Fine.", "Sound" },
        { "review.aspects[sound]", 3, "Fine", "Fine.", "sound=9" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_fields_are_refused_by_name_and_nothing_is_written(string field, int stars, string title, string text, string aspect)
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var alice = fixture.NewCustomer();
        await fixture.BookAsync(alice.Id, showId);
        var review = new Review { Stars = stars, Title = title, Text = text };
        if (aspect.Length > 0) review.Aspects[aspect.Split('=')[0]] = aspect.Contains('=') ? int.Parse(aspect.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture) : 3;

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = $"events/{eventId}", Review = review }, alice.Bearer, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal([field], Errors.Fields(e));
        Assert.Equal(0, await fixture.RatingScalarAsync<long>("SELECT count(*) FROM reviews WHERE item = @item", new { item = $"events/{eventId}" }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("events")]
    [InlineData("shows/0195f0a0-0000-7000-8000-000000000000")]
    [InlineData("events/not-a-uuid")]
    public async Task A_bad_item_name_is_refused_by_name(string item)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 3, Title = "t", Text = "x" } }, fixture.NewCustomer().Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "item"), (e.StatusCode, Assert.Single(Errors.Fields(e))));
    }

    [Fact]
    public async Task A_second_review_of_the_same_item_is_already_exists_and_leaves_the_first_and_the_aggregate_alone()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var alice = fixture.NewCustomer();
        await fixture.BookAsync(alice.Id, showId);
        var item = $"events/{eventId}";
        var first = await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 2, Title = "Meh", Text = "Meh." } }, alice.Bearer, cancellationToken: Ct);

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = item, Review = new Review { Stars = 5, Title = "Again", Text = "Again." } }, alice.Bearer, cancellationToken: Ct).ResponseAsync);

        Assert.Equal((StatusCode.AlreadyExists, "ALREADY_REVIEWED"), (e.StatusCode, Errors.Reason(e)));
        Assert.Equal(1, await fixture.RatingScalarAsync<long>("SELECT count(*) FROM reviews WHERE item = @item", new { item }));
        var rating = await fixture.Client.GetItemRatingAsync(new GetItemRatingRequest { Item = item }, cancellationToken: Ct);
        Assert.Equal((1, 2.0), (rating.Count, rating.Average));
        Assert.Equal(first.Stars, (await fixture.RatingScalarAsync<int>("SELECT stars FROM reviews WHERE id = @id", new { id = Guid.Parse(first.Id) })));
    }

    [Fact]
    public async Task A_bad_update_is_refused_by_name_and_changes_nothing()
    {
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var alice = fixture.NewCustomer();
        await fixture.BookAsync(alice.Id, showId);
        var review = await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = $"events/{eventId}", Review = new Review { Stars = 4, Title = "Ok", Text = "Ok." } }, alice.Bearer, cancellationToken: Ct);

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.UpdateReviewAsync(new UpdateReviewRequest
        {
            Id = review.Id, Review = new Review { Stars = 9 }, UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "stars" } },
        }, alice.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["review.stars"], Errors.Fields(e));

        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.UpdateReviewAsync(new UpdateReviewRequest
        {
            Id = review.Id, Review = new Review { Stars = 3 }, UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask { Paths = { "helpful_count" } },
        }, alice.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["update_mask"], Errors.Fields(e));
        Assert.Equal(4, await fixture.RatingScalarAsync<int>("SELECT stars FROM reviews WHERE id = @id", new { id = Guid.Parse(review.Id) }));
    }
}
