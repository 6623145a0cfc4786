using Mesh.Feed.Tests.Support;
using Mesh.Feed.V1;

namespace Mesh.Feed.Tests;

/// <summary>
/// Suggestions from bookings (booking.confirmed on mesh.events, consumed into feeddb) with analytics and rating DOWN:
/// the feed answers without their sections and names them.
/// </summary>
public sealed class SuggestionTests(AnalyticsAndRatingDownFixture fixture) : IClassFixture<AnalyticsAndRatingDownFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FeedSection Section(FeedPage page, string name) => page.Sections.Single(s => s.Name == name);

    [Fact]
    public async Task A_user_who_booked_several_thrillers_in_a_city_gets_thriller_suggestions_there_and_none_already_booked()
    {
        var (city, elsewhere) = (FeedFixture.NewCity(), FeedFixture.NewCity());
        var catalog = fixture.Catalog;
        var (t1, t2, t3) = (catalog.AddEvent("Vertigo", "thriller"), catalog.AddEvent("Rear Window", "Thriller", "classic"), catalog.AddEvent("Psycho", "thriller", "horror"));
        var booked = new[] { catalog.AddShow(t1, city), catalog.AddShow(t2, city), catalog.AddShow(t3, city) };
        var laterShowOfBookedEvent = catalog.AddShow(t1, city, days: 5);           // same event: already booked
        var newThriller = catalog.AddShow(catalog.AddEvent("The Birds", "thriller"), city, days: 4);
        var soldOutThriller = catalog.AddShow(catalog.AddEvent("Rope", "thriller"), city, days: 2, soldOut: true);
        var comedy = catalog.AddShow(catalog.AddEvent("Airplane!", "comedy"), city, days: 1);
        var thrillerElsewhere = catalog.AddShow(catalog.AddEvent("Notorious", "thriller"), elsewhere, days: 1);
        var user = fixture.NewCustomer();
        await fixture.ConfirmBookingsAsync(user.Id, booked);

        var feed = await fixture.Client.GetFeedAsync(new GetFeedRequest { City = city }, user.Bearer, cancellationToken: Ct);

        var suggested = Section(feed, "suggested").Items;
        Assert.Equal([$"shows/{newThriller}"], suggested.Select(i => i.Item));
        Assert.Contains("genre:thriller", suggested[0].Reasons);
        Assert.Equal("The Birds", suggested[0].Title);
        foreach (var never in booked.Append(laterShowOfBookedEvent).Append(soldOutThriller).Append(comedy).Append(thrillerElsewhere))
            Assert.DoesNotContain($"shows/{never}", suggested.Select(i => i.Item));

        // Analytics and rating are down: their sections are left out and named; the rest is there.
        Assert.True(feed.Personal);
        Assert.Equal(["top_rated", "trending"], feed.MissingSections.Order());
        Assert.Equal(["suggested", "upcoming", "new_in_city"], feed.Sections.Select(s => s.Name));
        Assert.Equal(7, Section(feed, "new_in_city").Items.Count);
    }

    [Fact]
    public async Task People_who_booked_the_same_event_also_booked_is_suggested()
    {
        var city = FeedFixture.NewCity();
        var catalog = fixture.Catalog;
        var opera = catalog.AddEvent("Tosca", "opera");
        var (operaShow, operaAgain) = (catalog.AddShow(opera, city), catalog.AddShow(opera, city, days: 6));
        var jazzShow = catalog.AddShow(catalog.AddEvent("Late night jazz", "jazz"), city, days: 2, venueId: "jazz-club");
        var (alice, bob, carol) = (fixture.NewCustomer(), fixture.NewCustomer(), fixture.NewCustomer());
        await fixture.ConfirmBookingsAsync(bob.Id, operaAgain, jazzShow);
        await fixture.ConfirmBookingsAsync(carol.Id, operaShow, jazzShow);
        await fixture.ConfirmBookingsAsync(alice.Id, operaShow);

        var suggested = Section(await fixture.Client.GetFeedAsync(new GetFeedRequest { City = city }, alice.Bearer, cancellationToken: Ct), "suggested").Items;
        var jazz = Assert.Single(suggested);
        Assert.Equal($"shows/{jazzShow}", jazz.Item);
        Assert.Equal(["co_booked"], jazz.Reasons);
        Assert.Equal(2 * 2, jazz.Score);   // two people booked it with Tosca
    }

    [Fact]
    public async Task An_anonymous_feed_still_answers_with_what_is_up()
    {
        var city = FeedFixture.NewCity();
        var show = fixture.Catalog.AddShow(fixture.Catalog.AddEvent("Metropolis", "sci-fi"), city);
        var feed = await fixture.Client.GetFeedAsync(new GetFeedRequest { City = city }, cancellationToken: Ct);
        Assert.False(feed.Personal);
        Assert.Equal(["new_in_city"], feed.Sections.Select(s => s.Name));
        Assert.Equal([$"shows/{show}"], Section(feed, "new_in_city").Items.Select(i => i.Item));
        Assert.Equal(["top_rated", "trending"], feed.MissingSections.Order());
    }
}
