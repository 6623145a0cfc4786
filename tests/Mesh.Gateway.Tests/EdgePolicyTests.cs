using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mesh.Gateway.Tests.Support;
using Mesh.Servers.Processes;
using Mesh.Testing;

namespace Mesh.Gateway.Tests;

/// <summary>JWT at the edge: only the proto's public methods are open (no PublicMethods config here).</summary>
public sealed class AuthFixture : GatewayFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Gateway:Auth:PublicMethods:0"] = "none/none" };
}

public sealed class AuthTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await fixture.Client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Public_method_needs_no_token()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/v1/shelves/1", null)).StatusCode);
    }

    [Fact]
    public async Task Protected_method_without_token_is_401_with_challenge()
    {
        var response = await GetAsync("/v1/shelves/1/books/2", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(16, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Valid_token_passes_and_reaches_the_backend()
    {
        var token = fixture.Tokens.Issue("user-1");
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/v1/shelves/1/books/2", token)).StatusCode);
        Assert.Equal($"Bearer {token}", fixture.Backend.State.LastHeaders["GetBook:authorization"]);
    }

    [Fact]
    public async Task Other_schemes_are_401_invalid_request_even_on_a_public_method()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/shelves/1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");
        var response = await fixture.Client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_request", response.Headers.WwwAuthenticate.Single().Parameter);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(16, error.GetProperty("code").GetInt32());
        Assert.Contains("Bearer", error.GetProperty("message").GetString());
    }

    public static TheoryData<string> BadTokens => new() { "expired", "wrong-key", "wrong-issuer", "wrong-audience", "alg-none", "garbage" };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Invalid_tokens_are_401_invalid_token(string kind)
    {
        var tokens = fixture.Tokens;
        var token = kind switch
        {
            "expired" => tokens.Issue("u", lifetime: TimeSpan.FromMinutes(-10)),
            "wrong-key" => tokens.Issue("u", signWith: ECDsa.Create(ECCurve.NamedCurves.nistP256)),
            "wrong-issuer" => tokens.Issue("u", issuer: "https://evil.test"),
            "wrong-audience" => tokens.Issue("u", audience: "other"),
            "alg-none" => tokens.Issue("u", alg: "none"),
            _ => "not.a.token",
        };
        var response = await GetAsync("/v1/shelves/1/books/2", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter);
        // A bad token is refused even on a public method.
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/v1/shelves/1", token)).StatusCode);
    }
}

/// <summary>Two gateway replicas share one Redis token bucket.</summary>
public sealed class RateLimitTests(IsolatedData data) : IClassFixture<IsolatedData>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_replicas_share_one_limit_and_answer_429_with_retry_after()
    {
        var redis = await data.RedisConnectionStringAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:cache"] = redis,
            ["Gateway:RateLimits:KeyPrefix"] = data.RedisKeyPrefix,
            // 6 requests, then one every 100 s: nothing refills during the test.
            ["Gateway:RateLimits:Routes:mesh.gateway_test.v1.Library/GetShelf:PerIp:Capacity"] = "6",
            ["Gateway:RateLimits:Routes:mesh.gateway_test.v1.Library/GetShelf:PerIp:PerSecond"] = "0.01",
        };
        var tokens = new Tokens();
        await using var backend = await BackendHost.StartAsync();
        await using var a = await GatewayHost.StartAsync(backend.HttpAddress, tokens, settings);
        await using var b = await GatewayHost.StartAsync(backend.HttpAddress, tokens, settings);
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10; i++)
        {
            var response = await (i % 2 == 0 ? clientA : clientB).GetAsync("/v1/shelves/1", Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited ??= response;
        }
        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(4, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.True(limited!.Headers.RetryAfter!.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal(8, JsonDocument.Parse(await limited.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetInt32());
        // Another route has its own (default) bucket and is still open.
        Assert.Equal(HttpStatusCode.OK, (await clientA.GetAsync("/v1/shelves/1/books", Ct)).StatusCode);
    }

    [Fact]
    public async Task Per_user_limit_counts_the_user_on_every_address()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:cache"] = await data.RedisConnectionStringAsync(),
            ["Gateway:RateLimits:KeyPrefix"] = data.RedisKeyPrefix,
            ["Gateway:RateLimits:Routes:mesh.gateway_test.v1.Library/GetShelf:PerUser:Capacity"] = "2",
            ["Gateway:RateLimits:Routes:mesh.gateway_test.v1.Library/GetShelf:PerUser:PerSecond"] = "0.01",
        };
        var tokens = new Tokens();
        await using var backend = await BackendHost.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(backend.HttpAddress, tokens, settings);
        using var client = gateway.CreateClient();

        async Task<HttpStatusCode> GetAsync(string? user)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/shelves/1");
            if (user is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Issue(user));
            return (await client.SendAsync(request, Ct)).StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await GetAsync("ada"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync("ada"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await GetAsync("ada"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync("grace")); // another user has a bucket of their own
        Assert.Equal(HttpStatusCode.OK, await GetAsync(null));    // anonymous callers are limited per IP only
    }
}

/// <summary>
/// Rate limiting fails open, on purpose: when Redis does not answer, requests pass unlimited (and the edge logs a
/// warning) rather than the whole REST surface going down with a cache.
/// </summary>
public sealed class RateLimitFailOpenTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Requests_pass_when_redis_is_unreachable()
    {
        var settings = new Dictionary<string, string?>
        {
            // Nothing listens there.
            ["ConnectionStrings:cache"] = $"127.0.0.1:{LoopbackPorts.GetFree()},connectTimeout=500",
            ["Gateway:RateLimits:Routes:mesh.gateway_test.v1.Library/GetShelf:PerIp:Capacity"] = "1",
            ["Gateway:RateLimits:Routes:mesh.gateway_test.v1.Library/GetShelf:PerIp:PerSecond"] = "0.01",
        };
        await using var backend = await BackendHost.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(backend.HttpAddress, new Tokens(), settings);
        using var client = gateway.CreateClient();
        for (var i = 0; i < 3; i++) // over the capacity of 1, were the limit enforced
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/shelves/1", Ct)).StatusCode);

        // Still in rotation: /health says Degraded (200), naming the rate-limit store.
        var health = await client.GetAsync("/health", Ct);
        var report = JsonDocument.Parse(await health.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded", report.GetProperty("checks").GetProperty("rate-limit-store").GetProperty("status").GetString());
    }
}

/// <summary>The body size limit holds for a body of unknown length too (chunked): 413 with the error body.</summary>
public sealed class BodyLimitTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Chunked_body_over_the_limit_is_413()
    {
        var ct = TestContext.Current.CancellationToken;
        var json = System.Text.Encoding.UTF8.GetBytes("{\"theme\":\"" + new string('x', 10_000) + "\"}");
        // A stream without a length: HttpClient sends it chunked.
        using var content = new StreamContent(new NonSeekableStream(json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await fixture.Client.PostAsync("/v1/shelves", content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, text);
        var error = JsonDocument.Parse(text).RootElement;
        Assert.Equal(3, error.GetProperty("code").GetInt32());
        Assert.Equal("(body)", error.GetProperty("details")[0].GetProperty("fieldViolations")[0].GetProperty("field").GetString());
        Assert.Equal(0, fixture.Backend.State.CallsTo("CreateShelf"));
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
