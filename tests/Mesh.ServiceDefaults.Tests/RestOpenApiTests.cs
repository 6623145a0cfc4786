using System.Net;
using System.Text.Json;
using Mesh.ServiceDefaults.OpenApi;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Mesh.Testing;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// Every service serves the OpenAPI document of its REST routes at /openapi/v1.json on its http endpoint, in the shape
/// the edge merges: each http rule an operation, schemas named by full proto name, the bearer scheme required by all
/// but public methods, and nothing that is not a REST route of the contracts.
/// </summary>
public sealed class RestOpenApiTests(RestProbeHost host) : IClassFixture<RestProbeHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_document_lists_every_http_rule_and_nothing_else()
    {
        var document = await OpenApiRoutes.FetchAsync(host.Http, Ct);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        Assert.Equal(OpenApiRoutes.Declared(RestProbe.Descriptor), OpenApiRoutes.Listed(document));
    }

    [Fact]
    public async Task Schemas_are_named_by_their_full_proto_names()
    {
        var schemas = (await OpenApiRoutes.FetchAsync(host.Http, Ct)).GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("mesh.defaults_test.v1.EchoMessage", out var echo));
        Assert.True(schemas.TryGetProperty("mesh.defaults_test.v1.Genre", out _));
        Assert.True(schemas.TryGetProperty("google.rpc.Status", out _));
        Assert.False(schemas.TryGetProperty("EchoMessage", out _));
        Assert.True(echo.GetProperty("properties").TryGetProperty("maybeCount", out _)); // JSON names
        Assert.DoesNotContain(schemas.EnumerateObject(), s => !s.Name.Contains('.') || s.Name.StartsWith("Google.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Int64_fields_are_strings_as_the_routes_write_them()
    {
        var document = await OpenApiRoutes.FetchAsync(host.Http, Ct);
        var i64 = document.GetProperty("components").GetProperty("schemas").GetProperty("mesh.defaults_test.v1.EchoMessage").GetProperty("properties").GetProperty("i64");
        Assert.Equal("string", i64.GetProperty("type").GetString());
        Assert.Equal("int64", i64.GetProperty("format").GetString());
        var shelfId = document.GetProperty("paths").GetProperty("/v1/shelves/{shelfId}").GetProperty("get").GetProperty("parameters")[0].GetProperty("schema");
        Assert.Equal("string", shelfId.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Methods_that_need_a_token_say_so_and_public_ones_do_not()
    {
        var document = await OpenApiRoutes.FetchAsync(host.Http, Ct);
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty(BearerSecurityFilter.SchemeName);
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());

        var paths = document.GetProperty("paths");
        var createBook = paths.GetProperty("/v1/shelves/{shelfId}/books").GetProperty("post");
        Assert.True(createBook.GetProperty("security")[0].TryGetProperty(BearerSecurityFilter.SchemeName, out _));
        var echo = paths.GetProperty("/v1/echo/{id}").GetProperty("get"); // (mesh.api.v1.public) = true
        Assert.False(echo.TryGetProperty("security", out var security) && security.GetArrayLength() > 0);
    }

    [Fact]
    public async Task The_document_is_served_on_the_http_endpoint_only()
    {
        using var grpcPort = new HttpClient { BaseAddress = host.Service.GrpcAddress, DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var response = await grpcPort.GetAsync(OpenApiRoutes.DocumentPath, Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(RestOpenApi.DocumentPath, OpenApiRoutes.DocumentPath);
    }
}
