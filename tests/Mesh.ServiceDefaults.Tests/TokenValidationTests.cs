using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Mesh.Testing;
using Microsoft.Extensions.Hosting;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// AddTokenValidation (JwtBearer) in a real service whose keys come from an OpenID issuer on loopback, found the way
/// the mesh finds the users service (services:users:http:0): good tokens pass, every kind of bad token ends the call
/// with UNAUTHENTICATED, no token means anonymous, and a key rotation at the issuer needs no restart.
/// </summary>
public sealed class TokenValidationTests : IAsyncLifetime
{
    private TestIssuer _issuer = null!;
    private ServiceHost _service = null!;
    private TestClient _caller = null!;

    public async ValueTask InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _service = await ServiceHost.StartAsync("secured", builder => builder.AddTokenValidation(), new Dictionary<string, string?>
        {
            ["services:users:http:0"] = _issuer.Address.ToString(),
            ["Mesh:Auth:RefreshInterval"] = "00:00:01",
        });
        _caller = await TestClient.StartAsync([_service.GrpcAddress], service: "secured");
    }

    public async ValueTask DisposeAsync()
    {
        await _caller.DisposeAsync();
        await _service.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<ProbeReply> CallAsync(string? token) =>
        _caller.Client.ReadAsync(new ProbeRequest { Key = "auth" },
            token is null ? null : new Metadata { { "authorization", $"Bearer {token}" } }, cancellationToken: Ct).ResponseAsync;

    [Fact]
    public async Task A_valid_token_is_accepted_and_names_the_caller()
    {
        var reply = await CallAsync(_issuer.Mint(TestIssuer.Claims("alice")));
        Assert.Equal("alice", reply.Subject);
    }

    [Fact]
    public async Task A_call_without_a_token_goes_on_anonymous()
    {
        var reply = await CallAsync(null);
        Assert.Equal("", reply.Subject);
        Assert.Equal("secured", reply.Server);
    }

    public static TheoryData<string> BadTokens => new(
        "alg none", "HS256 with the public key", "expired", "wrong issuer", "wrong audience", "no expiry", "tampered",
        "unknown key", "not a JWT");

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_bad_token_ends_the_call_with_unauthenticated(string kind)
    {
        // The service knows the issuer's keys already: a rejection is about the token, not a cold cache.
        Assert.Equal("warm", (await CallAsync(_issuer.Mint(TestIssuer.Claims("warm")))).Subject);
        var token = BadToken(kind);

        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.StartsWith("Invalid bearer token", error.Status.Detail);
    }

    private string BadToken(string kind)
    {
        var good = TestIssuer.Claims("mallory");
        switch (kind)
        {
            case "alg none":
                return $"{TestIssuer.Encode(new JsonObject { ["alg"] = "none", ["typ"] = "JWT" })}.{TestIssuer.Encode(good)}.";
            case "HS256 with the public key":
            {
                // Key confusion: an HMAC keyed with what everyone can fetch, the issuer's public key.
                var (kid, key) = _issuer.Current;
                var input = $"{TestIssuer.Encode(new JsonObject { ["alg"] = "HS256", ["typ"] = "JWT", ["kid"] = kid })}.{TestIssuer.Encode(good)}";
                var mac = HMACSHA256.HashData(Encoding.ASCII.GetBytes(key.ExportSubjectPublicKeyInfoPem()), Encoding.ASCII.GetBytes(input));
                return $"{input}.{Base64Url.Encode(mac)}";
            }
            case "expired":
                return _issuer.Mint(TestIssuer.Claims("mallory", TimeSpan.FromHours(-1)));   // far beyond the clock skew
            case "wrong issuer":
                good["iss"] = "someone-else";
                return _issuer.Mint(good);
            case "wrong audience":
                good["aud"] = "another-mesh";
                return _issuer.Mint(good);
            case "no expiry":
                good.Remove("exp");
                return _issuer.Mint(good);
            case "tampered":
            {
                var parts = _issuer.Mint(good).Split('.');
                var claims = TestIssuer.Claims("mallory");
                claims["roles"] = new JsonArray("admin");
                return $"{parts[0]}.{TestIssuer.Encode(claims)}.{parts[2]}";
            }
            case "unknown key":
            {
                using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                return _issuer.Mint(good, (_issuer.Current.Kid, stranger));
            }
            case "not a JWT":
                return "this-is-not-a-token";
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    [Fact]
    public async Task Key_rotations_at_the_issuer_are_picked_up_without_a_restart()
    {
        var before = _issuer.Mint(TestIssuer.Claims("before"));
        Assert.Equal("before", (await CallAsync(before)).Subject);

        // Twice: the first refresh JwtBearer asks for is always granted; the second is only granted because the
        // refresh interval (1 s here, 30 s by default) has passed — keys are never cached for good.
        for (var rotation = 1; rotation <= 2; rotation++)
        {
            var fetches = _issuer.JwksFetches;
            var kid = _issuer.Rotate();
            var subject = $"after-rotation-{rotation}";
            var after = _issuer.Mint(TestIssuer.Claims(subject));
            Assert.Equal(kid, _issuer.Current.Kid);

            // A token naming the new kid makes JwtBearer fetch the keys again (at most once per RefreshInterval); from
            // then on the new key validates. The wait is a hang guard only.
            await Wait.UntilAsync(async () =>
            {
                try { return (await CallAsync(after)).Subject == subject; }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated) { return false; }
            }, $"a token signed with the key of rotation {rotation} is accepted");

            Assert.True(_issuer.JwksFetches > fetches, $"rotation {rotation}: the keys were not fetched again");
        }
        // The old keys are still published, so tokens issued before a rotation stay valid until they expire.
        Assert.Equal("before", (await CallAsync(before)).Subject);
    }
}

/// <summary>Fixed keys (Mesh:Auth:Keys), as the service tests configure them: no issuer to fetch from.</summary>
public sealed class FixedKeyTokenValidationTests
{
    [Fact]
    public async Task A_token_signed_with_a_configured_key_is_accepted_and_one_signed_with_another_key_is_not()
    {
        var ct = TestContext.Current.CancellationToken;
        var tokens = new TestTokens();
        var strangers = new TestTokens();
        await using var service = await ServiceHost.StartAsync("fixed-keys", builder => builder.AddTokenValidation(), new Dictionary<string, string?>
        {
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = tokens.PublicKeyPem,
        });
        await using var caller = await TestClient.StartAsync([service.GrpcAddress], service: "fixed-keys");

        var reply = await caller.Client.ReadAsync(new ProbeRequest { Key = "ok" }, tokens.As("bob", "customer"), cancellationToken: ct);
        Assert.Equal("bob", reply.Subject);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            caller.Client.ReadAsync(new ProbeRequest { Key = "bad" }, strangers.As("bob", "customer"), cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }
}
