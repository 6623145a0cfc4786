using Mesh.Rating.Tests.Support;
using Mesh.Rating.V1;

namespace Mesh.Rating.Tests;

/// <summary>Top-rated ranks by the Bayesian average: many good reviews beat a few perfect ones; city and kind filter.</summary>
public sealed class TopRatedTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> EventReviewedAsync(string city, params int[] stars)
    {
        var (eventId, showId, _) = fixture.AddEventWithShow(city);
        foreach (var s in stars)
        {
            var author = fixture.NewCustomer();
            await fixture.BookAsync(author.Id, showId);
            await fixture.Client.CreateReviewAsync(new CreateReviewRequest { Item = $"events/{eventId}", Review = new Review { Stars = s, Title = "t", Text = "x" } }, author.Bearer, cancellationToken: Ct);
        }
        return $"events/{eventId}";
    }

    [Fact]
    public async Task Ranks_by_bayesian_average_within_a_city_and_kind_paged()
    {
        var city = $"c{Guid.NewGuid():N}"[..12];
        var twoFives = await EventReviewedAsync(city, 5, 5);
        var manyGood = await EventReviewedAsync(city, Enumerable.Repeat(5, 12).Concat(Enumerable.Repeat(4, 3)).ToArray());
        var poor = await EventReviewedAsync(city, 1, 2);
        await EventReviewedAsync("elsewhere", 5, 5, 5);

        var ranked = new List<ItemRating>();
        var request = new ListTopRatedRequest { City = city, Kind = "events", PageSize = 1 };
        do
        {
            var page = await fixture.Client.ListTopRatedAsync(request, cancellationToken: Ct);
            ranked.AddRange(page.Items);
            request.PageToken = page.NextPageToken;
        } while (request.PageToken.Length > 0);

        Assert.Equal([manyGood, twoFives, poor], ranked.Select(r => r.Item));
        Assert.All(ranked, r => Assert.Equal(city, r.CityId));
        Assert.True(ranked[0].Average < ranked[1].Average);   // a lower plain average, ranked higher on the evidence
        Assert.Empty((await fixture.Client.ListTopRatedAsync(new ListTopRatedRequest { City = city, Kind = "venues" }, cancellationToken: Ct)).Items);
    }

    [Fact]
    public async Task A_bad_kind_is_refused_by_name()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListTopRatedAsync(new ListTopRatedRequest { Kind = "shows" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["kind"], Errors.Fields(e));
    }
}
