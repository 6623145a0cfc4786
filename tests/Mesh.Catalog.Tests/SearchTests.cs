using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;

namespace Mesh.Catalog.Tests;

/// <summary>
/// Show search over a known data set (one class fixture, built once): each filter alone, free text with a typo, and
/// page tokens that walk the whole result exactly once in a stable order.
/// </summary>
public sealed class SearchTests(SearchTests.Data data) : IClassFixture<SearchTests.Data>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private CatalogFixture Fixture => data;

    /// <summary>Berlin: 8 Hamlet shows (drama, en, 1200/2000) and 4 Jazz Night (jazz, de, 3000/5000); Paris: 3 Hamlet shows.</summary>
    public sealed class Data(Mesh.Testing.TestServers servers) : CatalogFixture(servers), IAsyncLifetime
    {
        public DateTime Base { get; } = Builders.HoursAhead(24 * 3);

        async ValueTask IAsyncLifetime.InitializeAsync()
        {
            await InitializeAsync();
            var ct = TestContext.Current.CancellationToken;
            var hamlet = await Scenario.CreateAsync(this, AsPartnerA, "berlin", "Hamlet", "drama", "en");
            var jazz = await Scenario.CreateAsync(this, AsPartnerA, "berlin", "Jazz Night", "jazz", "de");
            var paris = await Scenario.CreateAsync(this, AsPartnerB, "paris", "Hamlet", "drama", "en");
            // Same start times on different screens, so the id tie-break matters for the order.
            for (var i = 0; i < 8; i++)
                await Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(hamlet.Event.Id, hamlet.Screen.Id, Base.AddHours(3 * i)) }, AsPartnerA, cancellationToken: ct);
            for (var i = 0; i < 4; i++)
                await Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(jazz.Event.Id, jazz.Screen.Id, Base.AddHours(3 * i), 3000, 5000) }, AsPartnerA, cancellationToken: ct);
            for (var i = 0; i < 3; i++)
                await Client.CreateShowAsync(new CreateShowRequest { Show = Builders.Show(paris.Event.Id, paris.Screen.Id, Base.AddHours(3 * i)) }, AsPartnerB, cancellationToken: ct);
        }
    }

    private async Task<List<Show>> AllAsync(ListShowsRequest request)
    {
        var shows = new List<Show>();
        for (var pages = 0; pages < 100; pages++)
        {
            var page = await Fixture.Client.ListShowsAsync(request, cancellationToken: Ct);
            shows.AddRange(page.Shows);
            if (page.NextPageToken.Length == 0) return shows;
            request = request.Clone();
            request.PageToken = page.NextPageToken;
        }
        throw new InvalidOperationException("paging never ended");
    }

    [Fact]
    public async Task Each_filter_narrows_the_result()
    {
        Assert.Equal(15, (await AllAsync(new ListShowsRequest())).Count);
        Assert.Equal(12, (await AllAsync(new ListShowsRequest { City = "berlin" })).Count);
        Assert.Equal(3, (await AllAsync(new ListShowsRequest { City = "paris" })).Count);
        Assert.Equal(4, (await AllAsync(new ListShowsRequest { Genre = "jazz" })).Count);
        Assert.Equal(4, (await AllAsync(new ListShowsRequest { Language = "de" })).Count);
        Assert.Equal(11, (await AllAsync(new ListShowsRequest { Q = "hamlet" })).Count);
        Assert.Equal(4, (await AllAsync(new ListShowsRequest { MinPriceMinor = 2500 })).Count);          // only jazz has a price ≥ 25.00
        Assert.Equal(11, (await AllAsync(new ListShowsRequest { MaxPriceMinor = 1500 })).Count);         // hamlet's standard seats
        Assert.Empty(await AllAsync(new ListShowsRequest { MinPriceMinor = 2100, MaxPriceMinor = 2900 }));
        var window = await AllAsync(new ListShowsRequest { City = "berlin", From = Timestamp.FromDateTime(data.Base), To = Timestamp.FromDateTime(data.Base.AddHours(6)) });
        Assert.Equal(4, window.Count);                                                                   // hours 0 and 3, hamlet + jazz
        Assert.All(window, s => Assert.InRange(s.StartTime.ToDateTime(), data.Base, data.Base.AddHours(6).AddTicks(-1)));
    }

    [Fact]
    public async Task Free_text_tolerates_typos_and_matches_words_of_the_description()
    {
        Assert.Equal(11, (await AllAsync(new ListShowsRequest { Q = "hamlte" })).Count);
        Assert.Equal(4, (await AllAsync(new ListShowsRequest { Q = "jaz nigth" })).Count);
        Assert.Equal(15, (await AllAsync(new ListShowsRequest { Q = "stage" })).Count);   // in every description
        Assert.Empty(await AllAsync(new ListShowsRequest { Q = "submarine" }));
    }

    [Fact]
    public async Task Pages_walk_the_whole_result_once_in_start_time_then_id_order()
    {
        var whole = (await Fixture.Client.ListShowsAsync(new ListShowsRequest { PageSize = 100 }, cancellationToken: Ct)).Shows.ToList();
        foreach (var size in new[] { 1, 2, 4, 7 })
        {
            var paged = await AllAsync(new ListShowsRequest { PageSize = size });
            Assert.Equal(whole.Select(s => s.Id), paged.Select(s => s.Id));
        }
        var keys = whole.Select(s => (s.StartTime.ToDateTime(), Guid.Parse(s.Id))).ToList();
        Assert.Equal(keys.OrderBy(k => k.Item1).ThenBy(k => k.Item2.ToString()).Select(k => k.Item2), keys.Select(k => k.Item2));
        Assert.Equal(whole.Count, whole.Select(s => s.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_page_token_only_works_with_the_filters_it_was_issued_for()
    {
        var first = await Fixture.Client.ListShowsAsync(new ListShowsRequest { City = "berlin", PageSize = 2 }, cancellationToken: Ct);
        Assert.NotEmpty(first.NextPageToken);
        var e = await Assert.ThrowsAsync<RpcException>(() => Fixture.Client.ListShowsAsync(
            new ListShowsRequest { City = "paris", PageSize = 2, PageToken = first.NextPageToken }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var garbage = await Assert.ThrowsAsync<RpcException>(() => Fixture.Client.ListShowsAsync(
            new ListShowsRequest { PageToken = "not-a-token" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, garbage.StatusCode);
    }

    [Fact]
    public async Task Rest_search_through_the_edge_uses_query_names_and_pages()
    {
        using var http = Fixture.CreateRestClient();
        var response = await http.GetAsync("/v1/shows?city=berlin&genre=jazz&pageSize=3", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(3, json.GetProperty("shows").GetArrayLength());
        var token = json.GetProperty("nextPageToken").GetString();
        var next = JsonDocument.Parse(await http.GetStringAsync($"/v1/shows?city=berlin&genre=jazz&pageSize=3&pageToken={Uri.EscapeDataString(token!)}", Ct)).RootElement;
        Assert.Equal(1, next.GetProperty("shows").GetArrayLength());

        var cities = JsonDocument.Parse(await http.GetStringAsync("/v1/cities", Ct)).RootElement;
        Assert.Contains(cities.GetProperty("cities").EnumerateArray(), c => c.GetProperty("id").GetString() == "berlin");

        var showId = json.GetProperty("shows")[0].GetProperty("id").GetString();
        var seats = JsonDocument.Parse(await http.GetStringAsync($"/v1/shows/{showId}/seats", Ct)).RootElement.GetProperty("seats");
        var seat = seats[0];
        foreach (var name in new[] { "id", "row", "label", "category", "priceMinor", "currency", "status" }) Assert.True(seat.TryGetProperty(name, out _), name);
        Assert.Equal("AVAILABLE", seat.GetProperty("status").GetString());
    }
}
