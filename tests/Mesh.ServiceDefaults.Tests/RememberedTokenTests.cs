using System.Security.Claims;
using System.Security.Cryptography;
using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>
/// A token the service accepted is accepted again from memory (ValidatedTokenCache, AcceptedTokenShortcut), in a real
/// service over gRPC, and still: each call gets a principal of its own, a token past its expiry by the service's
/// clock is refused, and a key the issuer withdrew (and JwtBearer no longer accepts) stops working once the cache's
/// age limit has passed.
/// </summary>
public sealed class RememberedTokenTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    /// <summary>A service with a fixed key and the clock the test moves, by which JwtBearer checks exp too (as the users service does).</summary>
    private static Task<ServiceHost> FixedKeyServiceAsync(string name, MovableClock clock, (string Kid, ECDsa Key) key) =>
        ServiceHost.StartAsync(name, builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.AddTokenValidation();
            builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme,
                o => o.TokenValidationParameters.LifetimeValidator = (_, expires, _, parameters) =>
                    expires + parameters.ClockSkew >= clock.GetUtcNow().UtcDateTime ? true : throw new SecurityTokenExpiredException("expired by the service clock"));
        }, new Dictionary<string, string?>
        {
            ["Mesh:Auth:Keys:0:Kid"] = key.Kid,
            ["Mesh:Auth:Keys:0:Pem"] = key.Key.ExportSubjectPublicKeyInfoPem(),
            ["Mesh:Auth:ClockSkew"] = "00:00:05",
        });

    [Fact]
    public async Task Every_call_gets_a_principal_of_its_own_whatever_the_last_call_did_to_its_own()
    {
        var key = ("k1", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        await using var service = await FixedKeyServiceAsync("isolated", new MovableClock(), key);
        await using var caller = await TestClient.StartAsync([service.GrpcAddress], service: "isolated");
        var seen = new List<(ClaimsPrincipal User, bool Marked, bool Admin)>();
        // What a careless handler might do: mark its caller, grant a role, add an identity.
        service.State.OnForward = call =>
        {
            var user = call.GetHttpContext().User;
            lock (seen) seen.Add((user, user.HasClaim("mark", "set"), user.IsInRole("admin")));
            ((ClaimsIdentity)user.Identity!).AddClaim(new Claim("mark", "set"));
            ((ClaimsIdentity)user.Identity!).AddClaim(new Claim("roles", "admin"));
            user.AddIdentity(new ClaimsIdentity([new Claim("roles", "admin")], "extra"));
            return Task.CompletedTask;
        };
        var token = TestIssuer.MintWith(TestIssuer.Claims("alice", TimeSpan.FromMinutes(10)), key);

        for (var i = 0; i < 3; i++)
            Assert.Equal("alice", (await caller.Client.ForwardAsync(new ProbeRequest { Key = "isolation" }, Bearer(token), cancellationToken: Ct)).Subject);

        Assert.Equal(3, seen.Count);
        Assert.All(seen, s => Assert.False(s.Marked || s.Admin));
        Assert.Equal(3, seen.Select(s => s.User).Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_past_its_expiry_by_the_service_clock()
    {
        var clock = new MovableClock();
        var key = ("k1", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        await using var service = await FixedKeyServiceAsync("expiring", clock, key);
        await using var caller = await TestClient.StartAsync([service.GrpcAddress], service: "expiring");
        var token = TestIssuer.MintWith(TestIssuer.Claims("alice", TimeSpan.FromSeconds(30)), key);
        Assert.Equal("alice", (await caller.Client.ReadAsync(new ProbeRequest { Key = "exp" }, Bearer(token), cancellationToken: Ct)).Subject);
        Assert.Equal("alice", (await caller.Client.ReadAsync(new ProbeRequest { Key = "exp" }, Bearer(token), cancellationToken: Ct)).Subject);

        clock.Advance(TimeSpan.FromSeconds(30 + 5 + 2));   // past exp + skew, well inside the cache's age limit

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            caller.Client.ReadAsync(new ProbeRequest { Key = "exp" }, Bearer(token), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("Invalid bearer token: the token expired.", error.Status.Detail);
    }

    [Fact]
    public async Task A_key_JwtBearer_no_longer_accepts_stops_working_once_the_cache_age_limit_has_passed()
    {
        var clock = new MovableClock();
        await using var issuer = await TestIssuer.StartAsync();
        await using var service = await ServiceHost.StartAsync("rotating", builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.AddTokenValidation();
        }, new Dictionary<string, string?>
        {
            ["services:users:http:0"] = issuer.Address.ToString(),
            ["Mesh:Auth:RefreshInterval"] = "00:00:01",
        });
        await using var caller = await TestClient.StartAsync([service.GrpcAddress], service: "rotating");
        // JwtBearer itself would go on accepting the withdrawn key from the keys it knew before (IdentityModel's
        // last-known-good configuration, one hour by default). Off here, so that JwtBearer refuses it and the test
        // sees whether the memory in front of it does too.
        var bearer = service.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        ((BaseConfigurationManager)bearer.ConfigurationManager!).UseLastKnownGoodConfiguration = false;
        Task<ProbeReply> CallAsync(string token) => caller.Client.ReadAsync(new ProbeRequest { Key = "keys" }, Bearer(token), cancellationToken: Ct).ResponseAsync;

        var old = issuer.Mint(TestIssuer.Claims("before", TimeSpan.FromMinutes(10)));
        Assert.Equal("before", (await CallAsync(old)).Subject);

        // The issuer signs with a new key and stops publishing the old one; a token naming the new key makes the
        // service fetch the keys again (at most once per RefreshInterval, hence the wait — a hang guard only).
        var withdrawn = issuer.Current.Kid;
        issuer.Rotate();
        issuer.Withdraw(withdrawn);
        var fresh = issuer.Mint(TestIssuer.Claims("after", TimeSpan.FromMinutes(10)));
        await Wait.UntilAsync(async () =>
        {
            try { return (await CallAsync(fresh)).Subject == "after"; }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated) { return false; }
        }, "a token signed with the new key is accepted");

        // Remembered: accepted without verification for at most MaxAge after it was accepted…
        Assert.Equal("before", (await CallAsync(old)).Subject);
        // …then verified again, against keys that no longer include its own.
        clock.Advance(ValidatedTokenCache.MaxAge + TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(old));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("Invalid bearer token: the token is signed with an unknown key.", error.Status.Detail);
        // The token signed with the current key is verified again too, and still accepted.
        Assert.Equal("after", (await CallAsync(fresh)).Subject);
    }
}
