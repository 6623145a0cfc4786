using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Gateway.Policy;
using Mesh.Gateway.Routing;
using Mesh.Gateway.Tests.Proto;
using Mesh.Gateway.Tests.Support;
using Mesh.Servers.Processes;
using Microsoft.OpenApi;

namespace Mesh.Gateway.Tests;

/// <summary>
/// /openapi.json is the services' own documents merged (here one service's), valid OpenAPI 3 as OpenAPI.NET
/// (Microsoft.OpenApi) reads it, and lists every REST route the edge serves; Swagger UI at /docs shows it.
/// </summary>
public sealed class OpenApiTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Document_is_valid_openapi_3()
    {
        var text = await fixture.Client.GetStringAsync("/openapi.json", Ct);
        var (document, diagnostic) = OpenApiDocument.Parse(text, "json");
        Assert.True(diagnostic!.Errors.Count == 0, string.Join("\n", diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.Equal(OpenApiSpecVersion.OpenApi3_0, diagnostic.SpecificationVersion);
        Assert.Equal("Mesh REST API", document!.Info.Title);
        Assert.NotEmpty(document.Components!.Schemas!);
        Assert.Null(JsonNode.Parse(text)!["x-mesh-missing-upstreams"]);
    }

    [Fact]
    public async Task Document_lists_every_rest_route_of_every_service()
    {
        var document = await ReadAsync();
        var documented = document.Paths
            .SelectMany(p => p.Value.Operations!.Select(o => $"{o.Key.Method.ToUpperInvariant()} {Shape(p.Key)}"))
            .ToHashSet();
        var table = EdgeRouteTable.Build(new Mesh.Gateway.GatewayServices().Add(Library.Descriptor, "library"), new EdgeAuthOptions());
        var expected = table.Routes.Select(r => $"{r.HttpMethod} {Shape(OpenApiPath(r.Template))}").ToList();
        Assert.True(expected.Count >= 20, $"only {expected.Count} routes");
        Assert.All(expected, route => Assert.Contains(route, documented));
    }

    [Fact]
    public async Task Protected_operations_require_the_bearer_token_and_public_ones_do_not()
    {
        var document = await ReadAsync();
        var getShelf = document.Paths["/v1/shelves/{shelfId}"].Operations![HttpMethod.Get];
        var createShelf = document.Paths["/v1/shelves"].Operations![HttpMethod.Post];
        Assert.True(getShelf.Security is null or { Count: 0 });
        Assert.NotNull(createShelf.Security);
        Assert.Contains(createShelf.Security, requirement => requirement.Keys.Any(scheme => scheme.Reference.Id is { } id
            && document.Components!.SecuritySchemes![id].Scheme == "bearer"));
    }

    private async Task<OpenApiDocument> ReadAsync()
    {
        var (document, _) = OpenApiDocument.Parse(await fixture.Client.GetStringAsync("/openapi.json", Ct), "json");
        return document!;
    }

    [Fact]
    public async Task Swagger_ui_is_served_at_docs()
    {
        var response = await fixture.Client.GetAsync("/docs/index.html", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger", await response.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A path with its parameter names blanked: "/v1/{}/books".</summary>
    private static string Shape(string path) => System.Text.RegularExpressions.Regex.Replace(path, @"\{[^}]*\}", "{}");

    /// <summary>
    /// A rule's template as an OpenAPI path: each variable is one parameter, however many segments it spans
    /// ("/v1/{name=shelves/*/books/*}" is "/v1/{name}"), as the services' documents write them.
    /// </summary>
    private static string OpenApiPath(string template)
    {
        var parsed = PathTemplate.Parse(template);
        var parts = new List<string>();
        for (var i = 0; i < parsed.Segments.Count; i++)
        {
            if (parsed.Variables.FirstOrDefault(v => v.Start == i) is { } variable)
            {
                parts.Add($"{{{variable.FieldPath}}}");
                i = variable.End - 1;
            }
            else parts.Add(parsed.Segments[i] switch { { Kind: SegmentKind.Literal } s => s.Text!, { Kind: SegmentKind.Wildcard } => "*", _ => "**" });
        }
        return "/" + string.Join('/', parts) + (parsed.Verb is { } verb ? ":" + verb : "");
    }
}

/// <summary>A service that was not up when /openapi.json was first asked for is fetched again, and then listed.</summary>
public sealed class OpenApiRefreshTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Missing_service_is_named_then_fetched_once_it_is_up()
    {
        var port = LoopbackPorts.GetFree();
        await using var gateway = await GatewayHost.StartAsync(new Uri($"http://127.0.0.1:{port}"), new Tokens());
        using var client = gateway.CreateClient();

        var first = JsonNode.Parse(await client.GetStringAsync("/openapi.json", Ct))!;
        Assert.Equal("library", first["x-mesh-missing-upstreams"]![0]!.GetValue<string>());
        Assert.Empty(first["paths"]!.AsObject());

        await using var backend = await BackendHost.StartAsync(httpPort: port);
        // Rebuilt on a request at least RetryMissingAfter after the failed fetch.
        JsonNode? document = null;
        for (var attempt = 0; attempt < 60 && (document is null || document["x-mesh-missing-upstreams"] is not null); attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            document = JsonNode.Parse(await client.GetStringAsync("/openapi.json", Ct));
        }
        Assert.Null(document!["x-mesh-missing-upstreams"]);
        Assert.NotNull(document["paths"]!["/v1/shelves/{shelfId}"]);
    }
}
