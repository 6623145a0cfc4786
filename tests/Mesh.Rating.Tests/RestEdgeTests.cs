using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Rating.Tests.Support;

namespace Mesh.Rating.Tests;

/// <summary>The public REST routes through the real gateway, built from the contract's google.api.http rules.</summary>
public sealed class RestEdgeTests(RatingFixture fixture) : IClassFixture<RatingFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Request(HttpMethod method, string path, Caller? caller = null, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (caller is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    [Fact]
    public async Task Review_vote_report_list_rating_and_top_rated_over_rest()
    {
        using var http = fixture.CreateRestClient();
        var venue = fixture.Catalog.AddVenue("lisbon");
        var service = fixture.Catalog.AddService(venue);
        var (alice, bob) = (fixture.NewCustomer(), fixture.NewCustomer());
        await fixture.BookAsync(alice.Id, serviceId: service);
        await fixture.BookAsync(bob.Id, serviceId: service);

        var created = await http.SendAsync(Request(HttpMethod.Post, $"/v1/services/{service}/reviews", alice, new { stars = 5, title = "Calm", text = "Great teacher.", aspects = new { staff = 5 } }), Ct);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var review = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(review.GetProperty("verified").GetBoolean());
        var id = review.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Request(HttpMethod.Post, $"/v1/services/{service}/reviews", bob, new { stars = 3, title = "Ok", text = "Fine." }), Ct)).StatusCode);

        var voted = await http.SendAsync(Request(HttpMethod.Post, $"/v1/reviews/{id}:vote", bob, new { }), Ct);
        Assert.Equal(1, (await voted.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("helpfulCount").GetInt32());
        var own = await http.SendAsync(Request(HttpMethod.Post, $"/v1/reviews/{id}:vote", alice, new { }), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Request(HttpMethod.Post, $"/v1/reviews/{id}:report", bob, new { reason = "too kind" }), Ct)).StatusCode);

        var listed = await http.GetFromJsonAsync<JsonElement>($"/v1/services/{service}/reviews?order=MOST_HELPFUL", Ct);   // public: no token
        Assert.Equal(id, listed.GetProperty("reviews")[0].GetProperty("id").GetString());

        var rating = await http.GetFromJsonAsync<JsonElement>($"/v1/services/{service}/rating", Ct);
        Assert.Equal(2, rating.GetProperty("count").GetInt32());
        Assert.Equal(4.0, rating.GetProperty("average").GetDouble());
        Assert.Equal([0, 0, 1, 0, 1], rating.GetProperty("histogram").EnumerateArray().Select(h => h.GetInt32()));

        var top = await http.GetFromJsonAsync<JsonElement>("/v1/top-rated?city=lisbon&kind=services", Ct);
        Assert.Equal($"services/{service}", top.GetProperty("items")[0].GetProperty("item").GetString());

        var patched = await http.SendAsync(Request(HttpMethod.Patch, $"/v1/reviews/{id}?updateMask=stars", alice, new { stars = 4 }), Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Request(HttpMethod.Delete, $"/v1/reviews/{id}", alice), Ct)).StatusCode);
        rating = await http.GetFromJsonAsync<JsonElement>($"/v1/services/{service}/rating", Ct);
        Assert.Equal(1, rating.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Bad_input_over_rest_is_a_400_naming_the_field_and_writing_needs_a_token()
    {
        using var http = fixture.CreateRestClient();
        var (eventId, showId, _) = fixture.AddEventWithShow();
        var alice = fixture.NewCustomer();
        await fixture.BookAsync(alice.Id, showId);

        var bad = await http.SendAsync(Request(HttpMethod.Post, $"/v1/events/{eventId}/reviews", alice, new { stars = 7, title = "x", text = "y" }), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("review.stars", await bad.Content.ReadAsStringAsync(Ct));

        var anonymous = await http.SendAsync(Request(HttpMethod.Post, $"/v1/events/{eventId}/reviews", null, new { stars = 4, title = "x", text = "y" }), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var unknownKind = await http.GetAsync($"/v1/shows/{Guid.NewGuid()}/rating", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, unknownKind.StatusCode);
        Assert.Contains("\"item\"", await unknownKind.Content.ReadAsStringAsync(Ct));
        Assert.Equal(0, await fixture.RatingScalarAsync<long>("SELECT count(*) FROM reviews WHERE item = @item", new { item = $"events/{eventId}" }));
    }
}
