using System.Net;
using System.Text.Json;
using Mesh.Users.Tests.Support;
using Mesh.Users.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Users.Tests;

/// <summary>The life of a session: register → sign in → protected calls (gRPC and REST) → refresh → sign out.</summary>
public sealed class SessionFlowTests(UsersFixture fixture) : IClassFixture<UsersFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_login_call_refresh_logout_then_old_tokens_are_rejected()
    {
        var email = TestAccounts.UniqueEmail("Flow").ToUpperInvariant();
        var http = fixture.CreateRestClient();

        // Register over REST (public), sign in over REST (public).
        var registered = await http.SendAsync(TestAccounts.Rest(HttpMethod.Post, "/v1/users", json: $$"""{"email":"{{email}}","password":"{{TestAccounts.Password}}","displayName":"Flo"}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        var user = JsonDocument.Parse(await registered.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(email.ToLowerInvariant(), user.GetProperty("email").GetString());
        Assert.StartsWith("users/", user.GetProperty("name").GetString());

        var login = await http.SendAsync(TestAccounts.Rest(HttpMethod.Post, "/v1/sessions", json: $$"""{"email":"{{email}}","password":"{{TestAccounts.Password}}"}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var session = JsonDocument.Parse(await login.Content.ReadAsStringAsync(Ct)).RootElement;
        var access = session.GetProperty("accessToken").GetString()!;
        var refresh = session.GetProperty("refreshToken").GetString()!;
        Assert.True(session.TryGetProperty("expiresAt", out _));

        // A protected method through both doors.
        var viaGrpc = await fixture.Client.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(access), cancellationToken: Ct);
        Assert.Equal(user.GetProperty("name").GetString(), viaGrpc.Name);
        var viaRest = await http.SendAsync(TestAccounts.Rest(HttpMethod.Get, "/v1/users/me", access), Ct);
        Assert.Equal(HttpStatusCode.OK, viaRest.StatusCode);
        Assert.Contains(email.ToLowerInvariant(), await viaRest.Content.ReadAsStringAsync(Ct));

        // Refresh over REST: new pair, the old refresh token is spent.
        var refreshed = await http.SendAsync(TestAccounts.Rest(HttpMethod.Post, "/v1/sessions:refresh", json: $$"""{"refreshToken":"{{refresh}}"}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var next = JsonDocument.Parse(await refreshed.Content.ReadAsStringAsync(Ct)).RootElement;
        var access2 = next.GetProperty("accessToken").GetString()!;
        var refresh2 = next.GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(refresh, refresh2);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(TestAccounts.Rest(HttpMethod.Get, "/v1/users/me", access2), Ct)).StatusCode);

        // Sign out over REST.
        var logout = await http.SendAsync(TestAccounts.Rest(HttpMethod.Delete, "/v1/sessions/current", access2), Ct);
        Assert.Equal(HttpStatusCode.OK, logout.StatusCode);

        // Every token of the session is dead: both access tokens (REST and gRPC) and the refresh token.
        foreach (var token in new[] { access, access2 })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(TestAccounts.Rest(HttpMethod.Get, "/v1/users/me", token), Ct)).StatusCode);
            var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(token), cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        }
        var again = await http.SendAsync(TestAccounts.Rest(HttpMethod.Post, "/v1/sessions:refresh", json: $$"""{"refreshToken":"{{refresh2}}"}"""), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task Protected_methods_need_a_token()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetMeAsync(new GetMeRequest(), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        var response = await fixture.CreateRestClient().SendAsync(TestAccounts.Rest(HttpMethod.Get, "/v1/users/me"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Reusing_a_rotated_refresh_token_ends_the_whole_session()
    {
        var user = await TestAccounts.CreateAsync(fixture);
        var first = user.Session.RefreshToken;
        var second = await fixture.Client.RefreshSessionAsync(new RefreshSessionRequest { RefreshToken = first }, cancellationToken: Ct);

        // The stolen (already used) token comes back: refused, and the legitimate successor dies with it.
        var reuse = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.RefreshSessionAsync(new RefreshSessionRequest { RefreshToken = first }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, reuse.StatusCode);
        var successor = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.RefreshSessionAsync(new RefreshSessionRequest { RefreshToken = second.RefreshToken }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, successor.StatusCode);
        var me = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(second.AccessToken), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, me.StatusCode);

        // Another session of the same user is untouched.
        var other = await TestAccounts.LoginAsync(fixture, user.Email, user.Password);
        Assert.Equal(user.User.Name, (await fixture.Client.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(other.AccessToken), cancellationToken: Ct)).Name);
    }

    [Fact]
    public async Task Emails_are_unique_case_insensitively_and_only_registration_says_so()
    {
        var user = await TestAccounts.CreateAsync(fixture);
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.RegisterAsync(new RegisterRequest
        {
            Email = "  " + user.Email.ToUpperInvariant() + " ", Password = "another long password", DisplayName = "Twin",
        }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
        // Sign-in accepts any case of the address.
        var session = await TestAccounts.LoginAsync(fixture, user.Email.ToUpperInvariant(), user.Password);
        Assert.False(string.IsNullOrEmpty(session.AccessToken));
    }

    [Fact]
    public async Task Unknown_email_and_wrong_password_get_the_same_answer()
    {
        var user = await TestAccounts.CreateAsync(fixture);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => TestAccounts.LoginAsync(fixture, user.Email, "not the password at all", "203.0.113.7"));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => TestAccounts.LoginAsync(fixture, TestAccounts.UniqueEmail("nobody"), "not the password at all", "203.0.113.7"));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal(wrong.StatusCode, unknown.StatusCode);
        Assert.Equal(wrong.Status.Detail, unknown.Status.Detail);
    }

    [Fact]
    public async Task Update_me_and_change_password()
    {
        var user = await TestAccounts.CreateAsync(fixture);
        var http = fixture.CreateRestClient();
        var patch = await http.SendAsync(TestAccounts.Rest(HttpMethod.Patch, "/v1/users/me", user.Session.AccessToken, """{"displayName":"Renamed"}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("Renamed", (await fixture.Client.GetMeAsync(new GetMeRequest(), user.Bearer, cancellationToken: Ct)).DisplayName);

        await fixture.Client.ChangePasswordAsync(new ChangePasswordRequest { CurrentPassword = user.Password, NewPassword = "a brand new passphrase" }, user.Bearer, cancellationToken: Ct);
        // Every session ended; the old password no longer works, the new one does.
        var me = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetMeAsync(new GetMeRequest(), user.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, me.StatusCode);
        await Assert.ThrowsAsync<RpcException>(() => TestAccounts.LoginAsync(fixture, user.Email, user.Password, "198.51.100.9"));
        Assert.NotEmpty((await TestAccounts.LoginAsync(fixture, user.Email, "a brand new passphrase")).AccessToken);
    }

    [Fact]
    public async Task Sign_in_rehashes_a_password_hashed_with_other_parameters()
    {
        var user = await TestAccounts.CreateAsync(fixture);
        var store = fixture.Services.GetRequiredService<UsersStore>();
        var account = (await store.FindByEmailAsync(user.Email))!;
        var weaker = new Mesh.Users.Passwords.PasswordHasher(new PasswordOptions { Iterations = 500 }).Hash(user.Password);
        Assert.True(await store.ReplacePasswordHashAsync(account.Id, account.PasswordHash, weaker, DateTime.UtcNow));

        await TestAccounts.LoginAsync(fixture, user.Email, user.Password);

        var upgraded = (await store.FindByEmailAsync(user.Email))!.PasswordHash;
        Assert.StartsWith($"pbkdf2-sha256${UsersFixture.TestIterations}$", upgraded);
        Assert.NotEmpty((await TestAccounts.LoginAsync(fixture, user.Email, user.Password)).AccessToken);
    }

    [Fact]
    public async Task Jwks_is_served_by_grpc_rest_and_the_http_endpoint_and_names_the_signing_key()
    {
        var user = await TestAccounts.CreateAsync(fixture);
        var kid = JsonDocument.Parse(Jwt.Part(user.Session.AccessToken, 0)).RootElement.GetProperty("kid").GetString();

        var grpc = await fixture.Client.GetSigningKeysAsync(new GetSigningKeysRequest(), cancellationToken: Ct);
        Assert.Contains(grpc.Keys, k => k.Kid == kid && k.Kty == "EC" && k.Crv == "P-256" && k.Alg == "ES256");

        foreach (var (client, path) in new[] { (fixture.CreateRestClient(), "/.well-known/jwks.json"), (new HttpClient { BaseAddress = fixture.UsersHttp }, "/.well-known/jwks.json") })
        {
            var json = JsonDocument.Parse(await client.GetStringAsync(path, Ct)).RootElement;
            var key = json.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("kid").GetString() == kid);
            Assert.Equal("EC", key.GetProperty("kty").GetString());
            Assert.False(key.TryGetProperty("d", out _)); // never the private part
        }
    }

    [Fact]
    public async Task Access_tokens_carry_the_agreed_claims_and_live_at_most_15_minutes()
    {
        var user = await TestAccounts.CreateAsync(fixture);
        var header = JsonDocument.Parse(Jwt.Part(user.Session.AccessToken, 0)).RootElement;
        var claims = JsonDocument.Parse(Jwt.Part(user.Session.AccessToken, 1)).RootElement;
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.False(string.IsNullOrEmpty(header.GetProperty("kid").GetString()));
        Assert.Equal(user.Id, claims.GetProperty("sub").GetString());
        Assert.Equal("mesh-users", claims.GetProperty("iss").GetString());
        Assert.Equal("mesh", claims.GetProperty("aud").GetString());
        Assert.Equal(new[] { "customer" }, claims.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray());
        Assert.False(string.IsNullOrEmpty(claims.GetProperty("jti").GetString()));
        var lifetime = claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64();
        Assert.InRange(lifetime, 1, 15 * 60);
    }
}
