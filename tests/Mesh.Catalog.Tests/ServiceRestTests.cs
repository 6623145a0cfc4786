using System.Net;
using System.Text.Json;
using Google.Rpc;
using Mesh.Catalog.Tests.Support;
using Mesh.Catalog.V1;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Catalog.Tests;

/// <summary>
/// The catalog's own REST surface (JSON transcoding on its http endpoint): a NUL character in a public filter is a
/// 400 naming it (it used to reach PostgreSQL and answer 500), and its OpenAPI document lists every http rule of the
/// contract with the proto comments as descriptions.
/// </summary>
public sealed class ServiceRestTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Http() => new() { BaseAddress = fixture.Services.GetRequiredService<ServiceEndpoints>().HttpAddress };

    [Theory]
    [InlineData("/v1/shows?q=%00", "q")]
    [InlineData("/v1/shows?city=ber%00lin", "city")]
    [InlineData("/v1/shows?genre=%00&language=en", "genre")]
    [InlineData("/v1/services?category=%00", "category")]
    [InlineData("/v1/products?city=berlin&category=a%00", "category")]
    [InlineData("/v1/events?partner=%00", "partner")]
    [InlineData("/v1/venues?city=%00", "city")]
    public async Task A_nul_in_a_filter_is_a_400_naming_it(string path, string field)
    {
        using var http = Http();
        var response = await http.GetAsync(path, Ct); // no token: these reads are public
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(3, json.GetProperty("code").GetInt32());
        Assert.Equal(field, json.GetProperty("details")[0].GetProperty("fieldViolations")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_nul_in_a_grpc_filter_is_invalid_argument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListShowsAsync(new ListShowsRequest { Q = "ham\0let" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("q", Assert.Single(e.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task An_update_mask_in_the_query_names_fields_by_their_json_names()
    {
        var ev = await fixture.Client.CreateEventAsync(new CreateEventRequest { Event = Builders.Event() }, fixture.AsPartnerA, cancellationToken: Ct);
        using var http = Http();
        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/v1/events/{ev.Id}?updateMask=durationMinutes,ageRating")
        {
            Content = new StringContent("""{"durationMinutes":95,"ageRating":"16+","title":"ignored"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        patch.Headers.Authorization = new("Bearer", fixture.Tokens.Mint(CatalogFixture.PartnerA, "customer", "partner"));
        var response = await http.SendAsync(patch, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var updated = await fixture.Client.GetEventAsync(new GetEventRequest { Id = ev.Id }, cancellationToken: Ct);
        Assert.Equal((95, "16+", ev.Title), (updated.DurationMinutes, updated.AgeRating, updated.Title));
    }

    [Fact]
    public async Task The_openapi_document_lists_every_http_rule_with_descriptions()
    {
        using var http = Http();
        var document = await OpenApiRoutes.FetchAsync(http, Ct);
        Assert.Equal(OpenApiRoutes.Declared(Mesh.Catalog.V1.Catalog.Descriptor), OpenApiRoutes.Listed(document));

        var listVenues = document.GetProperty("paths").GetProperty("/v1/venues").GetProperty("get");
        Assert.StartsWith("Venues in creation order", listVenues.GetProperty("summary").GetString());
        Assert.Equal("1-100, default 20.", listVenues.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "pageSize").GetProperty("description").GetString());
        Assert.False(listVenues.TryGetProperty("security", out _)); // public
        var createVenue = document.GetProperty("paths").GetProperty("/v1/venues").GetProperty("post");
        Assert.Equal(JsonValueKind.Array, createVenue.GetProperty("security").ValueKind);
        var venue = document.GetProperty("components").GetProperty("schemas").GetProperty("mesh.catalog.v1.Venue");
        Assert.Equal("A city id from ListCities.", venue.GetProperty("properties").GetProperty("cityId").GetProperty("description").GetString());
        Assert.Equal("date-time", venue.GetProperty("properties").GetProperty("createTime").GetProperty("format").GetString());
    }
}
