using System.Text.Json;
using Mesh.Testing;
using Mesh.Users.Tests.Support;
using Mesh.Users.V1;

namespace Mesh.Users.Tests;

/// <summary>Its own service instance: these tests move the users service's clock.</summary>
public sealed class ClockFixture(TestServers servers) : UsersFixture(servers)
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Users:SignInLimits:AccountFailures"] = "3",
        ["Users:SignInLimits:IpFailures"] = "6",
    };
}

/// <summary>Sign-in lock-outs (per email, per IP, growing) and signing-key rotation, on a clock moved by hand.</summary>
public sealed class ClockTests(ClockFixture fixture) : IClassFixture<ClockFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Account_lock_out_engages_after_n_failures_lifts_after_its_window_and_grows()
    {
        var user = await TestAccounts.CreateAsync(fixture);
        var ips = new[] { "192.0.2.1", "192.0.2.2", "192.0.2.3" }; // different IPs: only the account limit applies

        await FailAsync(user.Email, ips);
        // Locked: even the right password is refused, with RESOURCE_EXHAUSTED.
        var locked = await Assert.ThrowsAsync<RpcException>(() => TestAccounts.LoginAsync(fixture, user.Email, user.Password, "192.0.2.4"));
        Assert.Equal(StatusCode.ResourceExhausted, locked.StatusCode);

        fixture.Clock.Advance(TimeSpan.FromSeconds(61)); // first lock-out: 1 minute
        Assert.NotEmpty((await TestAccounts.LoginAsync(fixture, user.Email, user.Password, "192.0.2.4")).AccessToken);

        // Second lock-out lasts twice as long.
        await FailAsync(user.Email, ips);
        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        var still = await Assert.ThrowsAsync<RpcException>(() => TestAccounts.LoginAsync(fixture, user.Email, user.Password, "192.0.2.4"));
        Assert.Equal(StatusCode.ResourceExhausted, still.StatusCode);
        fixture.Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.NotEmpty((await TestAccounts.LoginAsync(fixture, user.Email, user.Password, "192.0.2.4")).AccessToken);
    }

    [Fact]
    public async Task Unknown_emails_lock_out_exactly_like_known_ones()
    {
        var nobody = TestAccounts.UniqueEmail("ghost");
        await FailAsync(nobody, ["192.0.2.11", "192.0.2.12", "192.0.2.13"]);
        var e = await Assert.ThrowsAsync<RpcException>(() => TestAccounts.LoginAsync(fixture, nobody, "whatever password", "192.0.2.14"));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task Ip_lock_out_engages_across_emails_and_lifts_after_its_window()
    {
        const string ip = "198.51.100.77";
        for (var i = 0; i < 6; i++) // a different email each time: only the IP limit (6) is reached
            await Assert.ThrowsAsync<RpcException>(() => TestAccounts.LoginAsync(fixture, TestAccounts.UniqueEmail("spray"), "not the password", ip));
        var user = await TestAccounts.CreateAsync(fixture);
        var locked = await Assert.ThrowsAsync<RpcException>(() => TestAccounts.LoginAsync(fixture, user.Email, user.Password, ip));
        Assert.Equal(StatusCode.ResourceExhausted, locked.StatusCode);
        // Another IP is not affected.
        Assert.NotEmpty((await TestAccounts.LoginAsync(fixture, user.Email, user.Password, "198.51.100.78")).AccessToken);
        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.NotEmpty((await TestAccounts.LoginAsync(fixture, user.Email, user.Password, ip)).AccessToken);
    }

    [Fact]
    public async Task Signing_keys_rotate_the_next_key_is_published_before_it_signs_and_old_keys_stay_published()
    {
        var user = await TestAccounts.CreateAsync(fixture);
        var firstKid = Kid(user.Session.AccessToken);

        fixture.Clock.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(10)); // rotation due (publish lead: 15 min)
        var before = await TestAccounts.LoginAsync(fixture, user.Email, user.Password);
        Assert.Equal(firstKid, Kid(before.AccessToken)); // the new key is not signing yet…
        var published = (await fixture.Client.GetSigningKeysAsync(new GetSigningKeysRequest(), cancellationToken: Ct)).Keys.Select(k => k.Kid).ToList();
        Assert.Equal(2, published.Count); // …but it is already published

        fixture.Clock.Advance(TimeSpan.FromMinutes(16));
        var after = await TestAccounts.LoginAsync(fixture, user.Email, user.Password);
        var secondKid = Kid(after.AccessToken);
        Assert.NotEqual(firstKid, secondKid);
        Assert.Contains(secondKid, published);
        // Tokens of the new key verify, and the old key is still published for tokens signed before the switch.
        Assert.Equal(user.User.Name, (await fixture.Client.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(after.AccessToken), cancellationToken: Ct)).Name);
        Assert.Contains(firstKid, (await fixture.Client.GetSigningKeysAsync(new GetSigningKeysRequest(), cancellationToken: Ct)).Keys.Select(k => k.Kid));

        fixture.Clock.Advance(TimeSpan.FromDays(2));
        Assert.DoesNotContain(firstKid, (await fixture.Client.GetSigningKeysAsync(new GetSigningKeysRequest(), cancellationToken: Ct)).Keys.Select(k => k.Kid));
    }

    private async Task FailAsync(string email, string[] ips)
    {
        foreach (var ip in ips)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => TestAccounts.LoginAsync(fixture, email, "definitely wrong password", ip));
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        }
    }

    private static string Kid(string token) => JsonDocument.Parse(Jwt.Part(token, 0)).RootElement.GetProperty("kid").GetString()!;
}
