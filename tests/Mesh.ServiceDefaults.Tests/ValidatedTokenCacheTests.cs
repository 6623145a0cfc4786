using System.Security.Cryptography;
using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Tests.Support;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// The token handler JwtBearer uses remembers accepted tokens: the same token is accepted again without its signature
/// being verified (here: with no keys at all), but never past its expiry by the service's clock, never longer than
/// <see cref="ValidatedTokenCache.MaxAge"/>, and a token never accepted is always verified.
/// </summary>
public sealed class ValidatedTokenCacheTests
{
    private static readonly (string Kid, ECDsa Key) Signer = ("k1", ECDsa.Create(ECCurve.NamedCurves.nistP256));

    private static TokenValidationParameters Parameters(params SecurityKey[] keys) => new()
    {
        ValidIssuer = MeshTokens.DefaultIssuer,
        ValidAudience = MeshTokens.DefaultAudience,
        ValidAlgorithms = [MeshTokens.Algorithm],
        IssuerSigningKeys = keys,
        ClockSkew = TimeSpan.Zero,
    };

    private static SecurityKey Key => new ECDsaSecurityKey(Signer.Key) { KeyId = Signer.Kid };

    private static string Token(TimeSpan lifetime) => TestIssuer.MintWith(TestIssuer.Claims("alice", lifetime), Signer);

    [Fact]
    public async Task An_accepted_token_is_accepted_again_without_verification_until_the_cache_age_limit()
    {
        var clock = new MovableClock();
        using var cache = new ValidatedTokenCache(clock);
        var token = Token(TimeSpan.FromMinutes(10));

        Assert.True((await cache.ValidateTokenAsync(token, Parameters(Key))).IsValid);
        var again = await cache.ValidateTokenAsync(token, Parameters()); // no keys: only the memory can accept it
        Assert.True(again.IsValid);
        Assert.Equal("alice", again.ClaimsIdentity.FindFirst("sub")?.Value);

        clock.Advance(ValidatedTokenCache.MaxAge + TimeSpan.FromSeconds(1));
        Assert.False((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
    }

    [Fact]
    public async Task A_token_is_not_remembered_past_its_expiry_by_the_service_clock()
    {
        var clock = new MovableClock();
        using var cache = new ValidatedTokenCache(clock);
        var token = Token(TimeSpan.FromSeconds(20));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters(Key))).IsValid);

        clock.Advance(TimeSpan.FromSeconds(30)); // past exp, well inside MaxAge
        Assert.False((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
    }

    [Fact]
    public async Task A_rejected_token_is_verified_every_time()
    {
        using var cache = new ValidatedTokenCache(TimeProvider.System);
        var token = Token(TimeSpan.FromMinutes(10));
        Assert.False((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
        Assert.True((await cache.ValidateTokenAsync(token, Parameters(Key))).IsValid);
    }
}

/// <summary>A clock a test moves by hand.</summary>
internal sealed class MovableClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
