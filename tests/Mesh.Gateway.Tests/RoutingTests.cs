using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesh.Gateway.Policy;
using Mesh.Gateway.Routing;
using Mesh.Gateway.Tests.Proto;
using Mesh.Gateway.Tests.Support;

namespace Mesh.Gateway.Tests;

/// <summary>google.api.http templates as ASP.NET Core route patterns, without a server.</summary>
public sealed class RoutePatternTests
{
    [Theory]
    [InlineData("/v1/shelves/{shelf_id}", "/v1/shelves/{shelf_id}")]
    [InlineData("/v1/shelves/{shelf.id}", "/v1/shelves/{shelf.id}")]
    [InlineData("/v1/{name=shelves/*/books/*}", "/v1/shelves/{name__2}/books/{name__4}")]
    [InlineData("/v1/{parent=shelves/*}/books", "/v1/shelves/{parent__2}/books")]
    [InlineData("/v1/{name=loans/*}:cancel", "/v1/loans/{name__2}:cancel")]
    [InlineData("/v1/bookings/{id}:quoteCancellation", "/v1/bookings/{id}:quoteCancellation")]
    [InlineData("/v1/tickets:verify", "/v1/tickets:verify")]
    [InlineData("/v1/archive/{path=**}", "/v1/archive/{**path}")]
    [InlineData("/v1/*/books", "/v1/{__any_1}/books")]
    [InlineData("/v1/{name=**}:undelete", "/v1/{**name:regex(:undelete$)}")]
    public void Template_becomes_route_pattern(string template, string pattern)
    {
        Assert.Equal(pattern, RoutePatterns.From(PathTemplate.Parse(template)));
    }

    [Fact]
    public void Every_rule_and_additional_binding_is_a_route()
    {
        var services = new Mesh.Gateway.GatewayServices().Add(Library.Descriptor, "library");
        var table = EdgeRouteTable.Build(services, new EdgeAuthOptions());
        var routes = table.Routes.Select(r => $"{r.HttpMethod} {r.Template}").ToHashSet();
        Assert.Contains("GET /v1/{name=shelves/*/books/*}", routes);
        Assert.Contains("GET /v1/books/{name=**}", routes); // GetBook's additional binding
        Assert.Contains("POST /v1/echo", routes);             // Echo's additional binding
        Assert.Contains("POST /v1/books:search", routes);     // a custom verb
        Assert.DoesNotContain(table.Routes, r => r.Method.Name == "ImportBooks"); // client streaming (and no http rule)
        Assert.Equal(Library.Descriptor.Methods.Count(m => !m.IsClientStreaming) + 3, table.Routes.Count);
        Assert.True(table.Routes.Single(r => r.Method.Name == "GetShelf").IsPublic);
        Assert.False(table.Routes.Single(r => r.Method.Name == "CheckReader").IsPublic);
        Assert.Equal(RequestBodyKind.Json, table.Routes.Single(r => r.Method.Name == "CreateBook").Body);
        Assert.Equal(RequestBodyKind.None, table.Routes.Single(r => r.Method.Name == "GetShelf").Body);
    }
}

/// <summary>Routes that share a path up to a custom verb, through a running edge; only the proto's public methods are open.</summary>
public sealed class RoutePrecedenceTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, bool withToken = false)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post) request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        if (withToken) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Tokens.Issue("reader-admin"));
        var response = await fixture.Client.SendAsync(request, Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }

    [Fact]
    public async Task Plain_id_goes_to_the_plain_route()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/v1/readers/r1");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("GetReader", body.GetProperty("answeredBy").GetString());
        Assert.Equal("r1", body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Id_with_a_custom_verb_goes_to_the_verb_route_and_takes_its_policy()
    {
        // GET /v1/readers/r1:check also matches "/v1/readers/{name}" (public); the verb route wins, and it is not public.
        var (status, body) = await SendAsync(HttpMethod.Get, "/v1/readers/r1:check");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(16, body.GetProperty("code").GetInt32());

        (status, body) = await SendAsync(HttpMethod.Get, "/v1/readers/r1:check", withToken: true);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("CheckReader", body.GetProperty("answeredBy").GetString());
        Assert.Equal("r1", body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Verb_route_with_a_body_and_wrong_verbs()
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/v1/readers/r1:suspend", withToken: true);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("SuspendReader", body.GetProperty("answeredBy").GetString());

        // An unknown verb is just part of the id for the plain route, as the transcoder sees it too.
        (status, body) = await SendAsync(HttpMethod.Get, "/v1/readers/r1:nope");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("r1:nope", body.GetProperty("name").GetString());

        // A path with routes for other verbs only: 405 with Allow.
        (status, body) = await SendAsync(HttpMethod.Delete, "/v1/readers/r1");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
        Assert.Equal(12, body.GetProperty("code").GetInt32());
        Assert.Contains("GET", body.GetProperty("message").GetString());
    }
}
