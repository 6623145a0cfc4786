using System.Net;
using System.Text.Json;
using Mesh.Analytics.V1;
using Mesh.Feed.Tests.Support;
using Mesh.Feed.V1;
using Mesh.Rating.V1;

namespace Mesh.Feed.Tests;

/// <summary>The whole feed with every upstream up: sections, paging, the cache and its invalidation by a booking, ads, REST.</summary>
public sealed class FeedTests(FeedFixture fixture) : IClassFixture<FeedFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FeedSection Section(FeedPage page, string name) => page.Sections.Single(s => s.Name == name);

    [Fact]
    public async Task An_anonymous_city_feed_has_trending_new_and_top_rated_paged_and_its_ads()
    {
        var city = FeedFixture.NewCity();
        var first = fixture.Catalog.AddShow(fixture.Catalog.AddEvent("Old news", "drama"), city, days: 1);
        var second = fixture.Catalog.AddShow(fixture.Catalog.AddEvent("Fresh", "drama"), city, days: 9);
        fixture.Analytics.Trending[city] = [new TrendingItem { Item = $"shows/{second}", Score = 9 }, new TrendingItem { Item = $"shows/{first}", Score = 4 }];
        fixture.Rating.TopRated[city] = [new ItemRating { Item = "venues/v1", CityId = city, BayesianAverage = 4.5 }];
        var campaign = await fixture.ApprovedCampaignAsync(city);

        var page1 = await fixture.Client.GetFeedAsync(new GetFeedRequest { City = city, PageSize = 1, DeviceId = "device-1" }, cancellationToken: Ct);
        Assert.False(page1.Personal);
        Assert.Empty(page1.MissingSections);
        Assert.Equal(["trending", "new_in_city", "top_rated"], page1.Sections.Select(s => s.Name));
        Assert.Equal([$"shows/{second}"], Section(page1, "trending").Items.Select(i => i.Item));
        Assert.Equal([$"shows/{second}"], Section(page1, "new_in_city").Items.Select(i => i.Item));   // the newest show first
        Assert.Equal(["venues/v1"], Section(page1, "top_rated").Items.Select(i => i.Item));
        var ad = Assert.Single(page1.Ads);
        Assert.Equal((campaign.Id, 1, "See it first"), (ad.CampaignId, ad.Position, ad.Title));

        var page2 = await fixture.Client.GetFeedAsync(new GetFeedRequest { City = city, PageSize = 1, PageToken = page1.NextPageToken }, cancellationToken: Ct);
        Assert.Equal(["trending", "new_in_city"], page2.Sections.Select(s => s.Name));
        Assert.Equal([$"shows/{first}"], Section(page2, "trending").Items.Select(i => i.Item));
        Assert.Equal("", page2.NextPageToken);

        // The ad's click goes to the ads service (billed once there).
        var click = await fixture.Ads.RecordClickAsync(new Ads.V1.RecordClickRequest { ImpressionId = ad.ImpressionId }, cancellationToken: Ct);
        Assert.True(click.FirstClick);
    }

    [Fact]
    public async Task A_feed_is_cached_per_user_and_dropped_when_the_user_books()
    {
        var city = FeedFixture.NewCity();
        var heist = fixture.Catalog.AddEvent("Rififi", "heist");
        var (booked, other) = (fixture.Catalog.AddShow(heist, city), fixture.Catalog.AddShow(fixture.Catalog.AddEvent("Topkapi", "heist"), city, days: 2));
        fixture.Rating.TopRated[city] = [new ItemRating { Item = "events/a", CityId = city, BayesianAverage = 4 }];
        var user = fixture.NewCustomer();

        var before = await fixture.Client.GetFeedAsync(new GetFeedRequest { City = city }, user.Bearer, cancellationToken: Ct);
        Assert.Empty(Section(before, "suggested").Items);   // nothing known about the user yet

        // What rating says changes, but the user's feed comes from the cache.
        fixture.Rating.TopRated[city] = [new ItemRating { Item = "events/b", CityId = city, BayesianAverage = 5 }];
        var cached = await fixture.Client.GetFeedAsync(new GetFeedRequest { City = city }, user.Bearer, cancellationToken: Ct);
        Assert.Equal(before.GenerateTime, cached.GenerateTime);
        Assert.Equal(["events/a"], Section(cached, "top_rated").Items.Select(i => i.Item));
        // Another user's feed is their own.
        Assert.Equal(["events/b"], Section(await fixture.Client.GetFeedAsync(new GetFeedRequest { City = city }, fixture.NewCustomer().Bearer, cancellationToken: Ct), "top_rated").Items.Select(i => i.Item));

        await fixture.ConfirmBookingsAsync(user.Id, booked);
        var after = await fixture.Client.GetFeedAsync(new GetFeedRequest { City = city }, user.Bearer, cancellationToken: Ct);
        Assert.Equal(["events/b"], Section(after, "top_rated").Items.Select(i => i.Item));
        Assert.Equal([$"shows/{other}"], Section(after, "suggested").Items.Select(i => i.Item));
    }

    [Fact]
    public async Task Views_of_events_and_services_shape_the_suggestions_and_upcoming_bookings_are_listed_not_suggested()
    {
        var city = FeedFixture.NewCity();
        var viewedEvent = fixture.Catalog.AddEvent("Nosferatu", "horror");
        var horror = fixture.Catalog.AddShow(fixture.Catalog.AddEvent("The Thing", "horror"), city, days: 2, venueId: "elsewhere");
        var bookedHorror = fixture.Catalog.AddShow(fixture.Catalog.AddEvent("Alien", "horror"), city, days: 1, venueId: "elsewhere");
        var yoga = fixture.Catalog.AddService(city, "yoga");
        var pilates = fixture.Catalog.AddService(city, "pilates");
        var user = fixture.NewCustomer();
        fixture.Analytics.Views[user.Id] = [$"events/{viewedEvent}", $"services/{yoga}"];
        fixture.Booking.Upcoming[user.Id] = [new Booking.V1.BookingRecord
        {
            Id = Guid.NewGuid().ToString(), ShowId = bookedHorror, Status = Booking.V1.BookingStatus.Confirmed,
            StartsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(fixture.Catalog.StartOf(bookedHorror)),
        }];

        var feed = await fixture.Client.GetFeedAsync(new GetFeedRequest { City = city }, user.Bearer, cancellationToken: Ct);
        var suggested = Section(feed, "suggested").Items;
        Assert.Equal([$"shows/{horror}", $"services/{yoga}"], suggested.Select(i => i.Item));
        Assert.Equal(["genre:horror"], suggested[0].Reasons);
        Assert.Equal(["category:yoga"], suggested[1].Reasons);
        Assert.DoesNotContain($"services/{pilates}", suggested.Select(i => i.Item));
        Assert.Equal([$"shows/{bookedHorror}"], Section(feed, "upcoming").Items.Select(i => i.Item));   // booked: listed, not suggested
    }

    [Fact]
    public async Task Bad_input_names_the_field()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetFeedAsync(new GetFeedRequest { PageSize = 99 }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["city", "page_size"], Fields(e).Order());
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetFeedAsync(new GetFeedRequest { City = "x", PageToken = "nonsense" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(["page_token"], Fields(e));
        var other = (await fixture.Client.GetFeedAsync(new GetFeedRequest { City = "y", PageSize = 1 }, cancellationToken: Ct)).NextPageToken;
        if (other.Length > 0)
        {
            e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetFeedAsync(new GetFeedRequest { City = "x", PageToken = other }, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(["page_token"], Fields(e));
        }
    }

    [Fact]
    public async Task Over_rest_the_anonymous_feed_answers_through_the_edge()
    {
        var city = FeedFixture.NewCity();
        var show = fixture.Catalog.AddShow(fixture.Catalog.AddEvent("Solaris", "sci-fi"), city);
        using var http = fixture.CreateRestClient();
        using var response = await http.GetAsync($"/v1/feed?city={city}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(city, body.GetProperty("city").GetString());
        var sections = body.GetProperty("sections").EnumerateArray().ToList();
        Assert.Contains(sections, s => s.GetProperty("name").GetString() == "new_in_city"
            && s.GetProperty("items")[0].GetProperty("item").GetString() == $"shows/{show}");

        using var bad = await http.GetAsync("/v1/feed", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("city", await bad.Content.ReadAsStringAsync(Ct));
    }

    private static IEnumerable<string> Fields(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => v.Field) ?? [];
}
