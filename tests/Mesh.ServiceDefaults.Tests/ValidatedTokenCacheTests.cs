using System.Security.Cryptography;
using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Tests.Support;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// The token handler JwtBearer uses remembers accepted tokens: the same token is accepted again without its signature
/// being verified (here: with no keys at all), but never past its expiry by the service's clock, never longer than
/// <see cref="ValidatedTokenCache.MaxAge"/>, never under parameters that would not accept it, and a token never
/// accepted is always verified. The memory is bounded.
/// </summary>
public sealed class ValidatedTokenCacheTests
{
    private static readonly (string Kid, ECDsa Key) Signer = ("k1", ECDsa.Create(ECCurve.NamedCurves.nistP256));

    private static TokenValidationParameters Parameters(params SecurityKey[] keys) => Parameters(MeshTokens.DefaultIssuer, MeshTokens.DefaultAudience, keys);

    private static TokenValidationParameters Parameters(string issuer, string audience, params SecurityKey[] keys) => new()
    {
        ValidIssuer = issuer,
        ValidAudience = audience,
        ValidAlgorithms = [MeshTokens.Algorithm],
        IssuerSigningKeys = keys,
        ClockSkew = TimeSpan.Zero,
    };

    private static SecurityKey Key => new ECDsaSecurityKey(Signer.Key) { KeyId = Signer.Kid };

    private static string Token(TimeSpan lifetime, string subject = "alice") => TestIssuer.MintWith(TestIssuer.Claims(subject, lifetime), Signer);

    [Fact]
    public async Task An_accepted_token_is_accepted_again_without_verification_until_the_cache_age_limit()
    {
        var clock = new MovableClock();
        var cache = new ValidatedTokenCache(clock);
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
        var cache = new ValidatedTokenCache(clock);
        var token = Token(TimeSpan.FromSeconds(20));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters(Key))).IsValid);

        clock.Advance(TimeSpan.FromSeconds(30)); // past exp, well inside MaxAge
        Assert.False((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
    }

    [Fact]
    public async Task A_rejected_token_is_verified_every_time()
    {
        var cache = new ValidatedTokenCache(TimeProvider.System);
        var token = Token(TimeSpan.FromMinutes(10));
        Assert.False((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
        Assert.True((await cache.ValidateTokenAsync(token, Parameters(Key))).IsValid);
    }

    [Fact]
    public async Task A_remembered_token_is_not_accepted_from_memory_under_parameters_that_refuse_its_audience_or_issuer()
    {
        var cache = new ValidatedTokenCache(TimeProvider.System);
        var token = Token(TimeSpan.FromMinutes(10));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters(Key))).IsValid);

        // The same token, asked about under other rules: validated in full, so refused for what it says.
        var otherAudience = await cache.ValidateTokenAsync(token, Parameters(MeshTokens.DefaultIssuer, "another-mesh", Key));
        Assert.False(otherAudience.IsValid);
        Assert.IsType<SecurityTokenInvalidAudienceException>(otherAudience.Exception);
        var otherIssuer = await cache.ValidateTokenAsync(token, Parameters("someone-else", MeshTokens.DefaultAudience, Key));
        Assert.False(otherIssuer.IsValid);
        Assert.IsType<SecurityTokenInvalidIssuerException>(otherIssuer.Exception);
        var otherAlgorithm = Parameters(Key);
        otherAlgorithm.ValidAlgorithms = ["ES384"];
        Assert.False((await cache.ValidateTokenAsync(token, otherAlgorithm)).IsValid);

        // Under the rules it was accepted by, it is still remembered (no keys: only the memory can accept it).
        Assert.True((await cache.ValidateTokenAsync(token, Parameters())).IsValid);
    }

    [Fact]
    public async Task Every_request_gets_an_identity_and_claims_of_its_own()
    {
        var cache = new ValidatedTokenCache(TimeProvider.System);
        var token = Token(TimeSpan.FromMinutes(10));
        // The first request's identity comes from the verification itself; the second's from memory. A handler that
        // changes its caller's identity (here: grants a role) changes only its own request's.
        var first = await cache.ValidateTokenAsync(token, Parameters(Key));
        first.ClaimsIdentity.AddClaim(new System.Security.Claims.Claim("roles", "admin"));

        var second = await cache.ValidateTokenAsync(token, Parameters());
        Assert.True(second.IsValid);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.False(second.ClaimsIdentity.HasClaim("roles", "admin"));
        Assert.Empty(second.ClaimsIdentity.Claims.Intersect(first.ClaimsIdentity.Claims, ReferenceEqualityComparer.Instance));
    }

    [Fact]
    public async Task The_memory_is_bounded_and_forgets_tokens_past_their_time()
    {
        var clock = new MovableClock();
        var cache = new ValidatedTokenCache(clock);
        for (var i = 0; i < ValidatedTokenCache.Capacity; i++)
            Assert.True((await cache.ValidateTokenAsync(Token(TimeSpan.FromMinutes(10), $"user-{i}"), Parameters(Key))).IsValid);
        Assert.Equal(ValidatedTokenCache.Capacity, cache.Count);

        // Full: one more valid token is accepted, but not remembered.
        var extra = Token(TimeSpan.FromMinutes(10));
        Assert.True((await cache.ValidateTokenAsync(extra, Parameters(Key))).IsValid);
        Assert.Equal(ValidatedTokenCache.Capacity, cache.Count);
        Assert.False((await cache.ValidateTokenAsync(extra, Parameters())).IsValid);

        // Once the remembered ones are past MaxAge, the next acceptance sweeps them out and is remembered itself.
        clock.Advance(ValidatedTokenCache.MaxAge + TimeSpan.FromSeconds(1));
        Assert.True((await cache.ValidateTokenAsync(extra, Parameters(Key))).IsValid);
        Assert.Equal(1, cache.Count);
        Assert.True((await cache.ValidateTokenAsync(extra, Parameters())).IsValid);
    }
}

/// <summary>A clock a test moves by hand.</summary>
internal sealed class MovableClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
