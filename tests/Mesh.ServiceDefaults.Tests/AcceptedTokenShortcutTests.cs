using System.Security.Claims;
using System.Security.Cryptography;
using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Tests.Support;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// JwtBearer's "message received" event answers a token <see cref="ValidatedTokenCache"/> accepted, with a principal and
/// ticket of the request's own, and leaves every other request to JwtBearer (Result stays null): no token, another
/// scheme, a token never accepted, one past its expiry or the cache's age limit by the service's clock, one the scheme's
/// parameters would not accept or that detect replays, and any token while a TokenValidated hook is set.
/// </summary>
public sealed class AcceptedTokenShortcutTests
{
    private static readonly (string Kid, ECDsa Key) Signer = ("k1", ECDsa.Create(ECCurve.NamedCurves.nistP256));
    private static readonly AuthenticationScheme Scheme = new(JwtBearerDefaults.AuthenticationScheme, null, typeof(JwtBearerHandler));

    private readonly MovableClock _clock = new();
    private readonly ValidatedTokenCache _cache;
    private readonly string _token = TestIssuer.MintWith(TestIssuer.Claims("alice", TimeSpan.FromMinutes(10)), Signer);

    public AcceptedTokenShortcutTests() => _cache = new ValidatedTokenCache(_clock);

    private static TokenValidationParameters Parameters(string audience = "mesh", params SecurityKey[] keys) => new()
    {
        ValidIssuer = MeshTokens.DefaultIssuer,
        ValidAudience = audience,
        ValidAlgorithms = [MeshTokens.Algorithm],
        IssuerSigningKeys = keys,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = "sub",
        RoleClaimType = "roles",
    };

    private async Task RememberAsync(string token) =>
        Assert.True((await _cache.ValidateTokenAsync(token, Parameters(keys: new ECDsaSecurityKey(Signer.Key) { KeyId = Signer.Kid }))).IsValid);

    private static async Task<MessageReceivedContext> ReceiveAsync(JwtBearerEvents events, string? authorization, JwtBearerOptions? options = null)
    {
        var http = new DefaultHttpContext();
        if (authorization is not null) http.Request.Headers.Authorization = authorization;
        var context = new MessageReceivedContext(http, Scheme, options ?? new JwtBearerOptions { TokenValidationParameters = Parameters(), SaveToken = false });
        await events.MessageReceived(context);
        return context;
    }

    [Fact]
    public async Task A_remembered_token_is_answered_with_a_principal_and_ticket_of_the_requests_own()
    {
        await RememberAsync(_token);
        var events = new AcceptedTokenShortcut(_cache);

        var first = await ReceiveAsync(events, $"Bearer {_token}");
        var second = await ReceiveAsync(events, $"bearer   {_token} ");   // JwtBearer's parsing: any case, trimmed

        foreach (var answered in new[] { first, second })
        {
            Assert.True(answered.Result?.Succeeded);
            Assert.Equal("alice", AuthenticatedUser.From(answered.Result!.Principal)?.Subject);
            Assert.True(answered.Result.Principal!.IsInRole("customer"));
            Assert.Equal(JwtBearerDefaults.AuthenticationScheme, answered.Result.Ticket!.AuthenticationScheme);
            // As JwtBearer's own ticket: ExpiresUtc is the token's exp; the raw token is not kept (SaveToken off).
            Assert.Equal(new JsonWebToken(_token).ValidTo, answered.Result.Properties!.ExpiresUtc?.UtcDateTime);
            Assert.Null(answered.Result.Properties.GetTokenValue("access_token"));
        }
        // Nothing is shared that a handler could change for the next request.
        Assert.NotSame(first.Result!.Principal, second.Result!.Principal);
        Assert.NotSame(first.Result.Principal!.Identity, second.Result.Principal!.Identity);
        Assert.Empty(first.Result.Principal.Claims.Intersect(second.Result.Principal.Claims, ReferenceEqualityComparer.Instance));
        Assert.NotSame(first.Result.Properties, second.Result.Properties);
        ((ClaimsIdentity)first.Result.Principal.Identity!).AddClaim(new Claim("roles", "admin"));
        first.Result.Properties!.Items["mark"] = "set";
        var third = await ReceiveAsync(events, $"Bearer {_token}");
        Assert.False(third.Result!.Principal!.IsInRole("admin"));
        Assert.False(third.Result.Properties!.Items.ContainsKey("mark"));
    }

    [Fact]
    public async Task With_SaveToken_on_the_ticket_keeps_the_raw_token_as_JwtBearer_would()
    {
        await RememberAsync(_token);
        var answered = await ReceiveAsync(new AcceptedTokenShortcut(_cache), $"Bearer {_token}",
            new JwtBearerOptions { TokenValidationParameters = Parameters(), SaveToken = true });
        Assert.Equal(_token, answered.Result?.Properties?.GetTokenValue("access_token"));
    }

    public static TheoryData<string> LeftToJwtBearer => new(
        "no token", "another scheme", "never accepted", "past its expiry", "past the cache's age limit", "another audience",
        "replay detection", "a TokenValidated hook");

    [Theory]
    [MemberData(nameof(LeftToJwtBearer))]
    public async Task Every_other_request_is_left_to_JwtBearer(string kind)
    {
        await RememberAsync(_token);
        var events = new AcceptedTokenShortcut(_cache);
        var authorization = $"Bearer {_token}";
        var options = new JwtBearerOptions { TokenValidationParameters = Parameters(), SaveToken = false };
        switch (kind)
        {
            case "no token": authorization = null!; break;
            case "another scheme": authorization = $"Basic {_token}"; break;
            case "never accepted": authorization = $"Bearer {TestIssuer.MintWith(TestIssuer.Claims("bob"), Signer)}"; break;
            case "past its expiry":
            {
                var shortLived = TestIssuer.MintWith(TestIssuer.Claims("carol", TimeSpan.FromSeconds(10)), Signer);
                await RememberAsync(shortLived);
                Assert.True((await ReceiveAsync(events, $"Bearer {shortLived}")).Result?.Succeeded);
                _clock.Advance(TimeSpan.FromSeconds(10 + 30 + 1));   // exp + the parameters' skew, inside MaxAge
                authorization = $"Bearer {shortLived}";
                break;
            }
            case "past the cache's age limit": _clock.Advance(ValidatedTokenCache.MaxAge + TimeSpan.FromSeconds(1)); break;
            case "another audience": options.TokenValidationParameters = Parameters("another-mesh"); break;
            case "replay detection": options.TokenValidationParameters.TokenReplayValidator = (_, _, _) => true; break;
            case "a TokenValidated hook": events.OnTokenValidated = _ => Task.CompletedTask; break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        var context = await ReceiveAsync(events, authorization, options);

        Assert.Null(context.Result);
        Assert.Null(context.Principal);
    }
}
