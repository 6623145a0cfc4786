using System.Net;
using System.Text.Json;
using Google.Rpc;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;
using Mesh.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Mesh.Catalog.Tests;

/// <summary>
/// Browsing venues by city (ListVenues, GET /v1/venues?city=…): public, in creation order, paged with a token that
/// belongs to its city, each venue with its screens but not their seat maps; bad arguments name their field. Each
/// test lists a city of its own, so what other tests create does not show up in its pages.
/// </summary>
public sealed class VenueListingTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>, IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _city = $"c-{Guid.NewGuid():N}"[..20];
    private readonly string _otherCity = $"o-{Guid.NewGuid():N}"[..20];
    private readonly List<string> _venues = [];
    private string _elsewhere = "";

    public async ValueTask InitializeAsync()
    {
        await using (var db = new NpgsqlConnection(fixture.ConnectionString))
        {
            await db.OpenAsync(Ct);
            await using var insert = new NpgsqlCommand("INSERT INTO cities (id, name, country_code, time_zone) VALUES (@a, 'A', 'DE', 'Europe/Berlin'), (@b, 'B', 'FR', 'Europe/Paris')", db);
            insert.Parameters.AddWithValue("a", _city);
            insert.Parameters.AddWithValue("b", _otherCity);
            await insert.ExecuteNonQueryAsync(Ct);
        }
        for (var i = 0; i < 3; i++)
        {
            var venue = await fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue(_city, $"Kino {i}") }, fixture.AsPartnerA, cancellationToken: Ct);
            await fixture.Client.CreateScreenAsync(new CreateScreenRequest { VenueId = venue.Id, Screen = Builders.Screen() }, fixture.AsPartnerA, cancellationToken: Ct);
            _venues.Add(venue.Id);
        }
        _elsewhere = (await fixture.Client.CreateVenueAsync(new CreateVenueRequest { Venue = Builders.Venue(_otherCity, "Cinéma") }, fixture.AsPartnerB, cancellationToken: Ct)).Id;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_city_lists_its_venues_in_creation_order_page_by_page()
    {
        var first = await fixture.Client.ListVenuesAsync(new ListVenuesRequest { City = _city, PageSize = 2 }, cancellationToken: Ct);
        var second = await fixture.Client.ListVenuesAsync(new ListVenuesRequest { City = _city, PageSize = 2, PageToken = first.NextPageToken }, cancellationToken: Ct);

        Assert.Equal(_venues, first.Venues.Concat(second.Venues).Select(v => v.Id));
        Assert.Empty(second.NextPageToken);
        var screen = Assert.Single(first.Venues[0].Screens);
        Assert.Equal("Saal 1", screen.Name);
        Assert.Null(screen.SeatMap); // GetVenue has the seat maps
        Assert.DoesNotContain(_elsewhere, first.Venues.Concat(second.Venues).Select(v => v.Id));
    }

    [Fact]
    public async Task Without_a_city_every_venue_is_listed()
    {
        var all = new List<string>();
        var request = new ListVenuesRequest { PageSize = 100 };
        do
        {
            var page = await fixture.Client.ListVenuesAsync(request, cancellationToken: Ct);
            all.AddRange(page.Venues.Select(v => v.Id));
            request.PageToken = page.NextPageToken;
        } while (request.PageToken.Length > 0);
        Assert.Contains(_elsewhere, all);
        Assert.Superset(_venues.ToHashSet(), all.ToHashSet());
        Assert.Empty((await fixture.Client.ListVenuesAsync(new ListVenuesRequest { City = "atlantis" }, cancellationToken: Ct)).Venues);
    }

    [Theory]
    [InlineData(101, "", "", "page_size")]
    [InlineData(-1, "", "", "page_size")]
    [InlineData(0, "Not A City!", "", "city")]
    [InlineData(0, "berlin", "not-a-token", "page_token")]
    public async Task Bad_arguments_name_their_field(int pageSize, string city, string token, string field)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListVenuesAsync(
            new ListVenuesRequest { PageSize = pageSize, City = city, PageToken = token }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(e.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == field);
    }

    [Fact]
    public async Task A_token_of_one_city_is_refused_for_another()
    {
        var first = await fixture.Client.ListVenuesAsync(new ListVenuesRequest { City = _city, PageSize = 1 }, cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListVenuesAsync(
            new ListVenuesRequest { City = _otherCity, PageToken = first.NextPageToken }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task Rest_lists_venues_by_city_without_a_token()
    {
        using var http = new HttpClient { BaseAddress = fixture.Services.GetRequiredService<ServiceEndpoints>().HttpAddress };
        var response = await http.GetAsync($"/v1/venues?city={_city}&pageSize=2", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(_venues.Take(2), json.GetProperty("venues").EnumerateArray().Select(v => v.GetProperty("id").GetString()));
        Assert.Equal(_city, json.GetProperty("venues")[0].GetProperty("cityId").GetString());
        var token = json.GetProperty("nextPageToken").GetString()!;
        var next = JsonDocument.Parse(await http.GetStringAsync($"/v1/venues?city={_city}&pageSize=2&pageToken={Uri.EscapeDataString(token)}", Ct)).RootElement;
        Assert.Equal(_venues[2], Assert.Single(next.GetProperty("venues").EnumerateArray()).GetProperty("id").GetString());

        var bad = await http.GetAsync("/v1/venues?city=berlin&pageSize=1000", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("page_size", await bad.Content.ReadAsStringAsync(Ct));
    }
}
