using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Gateway.Tests.Support;

namespace Mesh.Gateway.Tests;

/// <summary>/openapi.json is a structurally valid OpenAPI 3 document and matches the checked-in golden file.</summary>
public sealed partial class OpenApiTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Document_is_valid_openapi_3()
    {
        var text = await fixture.Client.GetStringAsync("/openapi.json", Ct);
        var doc = JsonDocument.Parse(text).RootElement;
        Assert.StartsWith("3.0.", doc.GetProperty("openapi").GetString());
        Assert.False(string.IsNullOrEmpty(doc.GetProperty("info").GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(doc.GetProperty("info").GetProperty("version").GetString()));
        var schemas = doc.GetProperty("components").GetProperty("schemas");
        Assert.Equal("bearer", doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());

        var operationIds = new HashSet<string>();
        var verbs = new[] { "get", "put", "post", "delete", "options", "head", "patch", "trace" };
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            Assert.StartsWith("/", path.Name);
            var templated = PathParameter().Matches(path.Name).Select(m => m.Groups[1].Value).ToHashSet();
            foreach (var op in path.Value.EnumerateObject())
            {
                Assert.Contains(op.Name, verbs);
                Assert.True(operationIds.Add(op.Value.GetProperty("operationId").GetString()!), "operationId must be unique");
                Assert.True(op.Value.GetProperty("responses").EnumerateObject().Any());
                var declared = op.Value.TryGetProperty("parameters", out var ps)
                    ? ps.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path").Select(p => p.GetProperty("name").GetString()!).ToHashSet()
                    : [];
                Assert.True(templated.SetEquals(declared), $"{op.Name} {path.Name}: path parameters {string.Join(",", declared)}");
                if (ps.ValueKind == JsonValueKind.Array)
                    foreach (var p in ps.EnumerateArray())
                    {
                        Assert.Contains(p.GetProperty("in").GetString(), new[] { "path", "query", "header", "cookie" });
                        if (p.GetProperty("in").GetString() == "path") Assert.True(p.GetProperty("required").GetBoolean());
                    }
            }
        }
        // Every $ref resolves.
        foreach (Match m in RefPattern().Matches(text))
            Assert.True(schemas.TryGetProperty(m.Groups[1].Value, out _), $"unresolved $ref {m.Groups[1].Value}");

        // Comments became descriptions; public methods have no security requirement.
        var getShelf = doc.GetProperty("paths").GetProperty("/v1/shelves/{shelf}").GetProperty("get");
        Assert.Contains("Gets one shelf", getShelf.GetProperty("description").GetString());
        Assert.Equal(0, getShelf.GetProperty("security").GetArrayLength());
        Assert.Contains("Server-assigned id", text);
    }

    [Fact]
    public async Task Document_matches_the_golden_file()
    {
        var actual = await fixture.Client.GetStringAsync("/openapi.json", Ct);
        var golden = Path.Combine(AppContext.BaseDirectory, "Golden", "openapi.json");
        if (Environment.GetEnvironmentVariable("MESH_UPDATE_GOLDEN") == "1")
        {
            var source = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Golden", "openapi.json");
            await File.WriteAllTextAsync(source, actual, Ct);
            return;
        }
        Assert.Equal((await File.ReadAllTextAsync(golden, Ct)).ReplaceLineEndings(), actual.ReplaceLineEndings());
    }

    [Fact]
    public async Task Swagger_ui_is_served_at_docs()
    {
        var html = await fixture.Client.GetStringAsync("/docs/index.html", Ct);
        Assert.Contains("swagger", html, StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex PathParameter();

    [GeneratedRegex("\"#/components/schemas/([^\"]+)\"")]
    private static partial Regex RefPattern();
}
