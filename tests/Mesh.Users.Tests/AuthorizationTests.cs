using System.Net;
using Mesh.Users.Tests.Support;
using Mesh.Users.V1;

namespace Mesh.Users.Tests;

/// <summary>Authorization from the token's claims: own data only for customers (IDOR), admin-only methods, staff reads.</summary>
public sealed class AuthorizationTests(UsersFixture fixture) : IClassFixture<UsersFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task User_a_cannot_read_or_change_user_b_over_grpc()
    {
        var a = await TestAccounts.CreateAsync(fixture);
        var b = await TestAccounts.CreateAsync(fixture);

        Assert.Equal(a.User.Name, (await fixture.Client.GetUserAsync(new GetUserRequest { Name = a.User.Name }, a.Bearer, cancellationToken: Ct)).Name);
        var read = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetUserAsync(new GetUserRequest { Name = b.User.Name }, a.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, read.StatusCode);
        // A made-up id gets the same answer as a real one: nothing learnt about which ids exist.
        var madeUp = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetUserAsync(new GetUserRequest { Name = $"users/{Guid.NewGuid()}" }, a.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, madeUp.StatusCode);
        var change = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.SetRolesAsync(new SetRolesRequest { Name = b.User.Name, Roles = { Role.Customer } }, a.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, change.StatusCode);
        // UpdateMe ignores a name in the body: it changes the caller only.
        await fixture.Client.UpdateMeAsync(new UpdateMeRequest { User = new User { Name = b.User.Name, DisplayName = "Hijack" } }, a.Bearer, cancellationToken: Ct);
        Assert.Equal("Test User", (await fixture.Client.GetMeAsync(new GetMeRequest(), b.Bearer, cancellationToken: Ct)).DisplayName);
        Assert.Equal("Hijack", (await fixture.Client.GetMeAsync(new GetMeRequest(), a.Bearer, cancellationToken: Ct)).DisplayName);
    }

    [Fact]
    public async Task User_a_cannot_read_or_change_user_b_over_rest()
    {
        var a = await TestAccounts.CreateAsync(fixture);
        var b = await TestAccounts.CreateAsync(fixture);
        var http = fixture.CreateRestClient();

        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(TestAccounts.Rest(HttpMethod.Get, $"/v1/{a.User.Name}", a.Session.AccessToken), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(TestAccounts.Rest(HttpMethod.Get, $"/v1/{b.User.Name}", a.Session.AccessToken), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(TestAccounts.Rest(HttpMethod.Post, $"/v1/{b.User.Name}:setRoles", a.Session.AccessToken, """{"roles":["ADMIN"]}"""), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(TestAccounts.Rest(HttpMethod.Post, $"/v1/{a.User.Name}:setRoles", a.Session.AccessToken, """{"roles":["ADMIN"]}"""), Ct)).StatusCode);
        Assert.DoesNotContain("admin", (await fixture.Client.GetMeAsync(new GetMeRequest(), a.Bearer, cancellationToken: Ct)).Roles.Select(r => r.ToString().ToLowerInvariant()));
    }

    [Fact]
    public async Task Admin_only_methods_refuse_customers_and_serve_admins()
    {
        var customer = await TestAccounts.CreateAsync(fixture);
        var list = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ListUsersAsync(new ListUsersRequest(), customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.CreateRestClient().SendAsync(TestAccounts.Rest(HttpMethod.Get, "/v1/users", customer.Session.AccessToken), Ct)).StatusCode);

        var admin = await AdminAsync();
        var page = await fixture.Client.ListUsersAsync(new ListUsersRequest { PageSize = 100 }, admin.Bearer, cancellationToken: Ct);
        Assert.Contains(page.Users, u => u.Name == customer.User.Name);

        // An admin makes the customer a partner; the next refreshed token carries the new role.
        var updated = await fixture.Client.SetRolesAsync(new SetRolesRequest { Name = customer.User.Name, Roles = { Role.Customer, Role.Partner } }, admin.Bearer, cancellationToken: Ct);
        Assert.Equal([Role.Customer, Role.Partner], updated.Roles.ToArray());
        var refreshed = await fixture.Client.RefreshSessionAsync(new RefreshSessionRequest { RefreshToken = customer.Session.RefreshToken }, cancellationToken: Ct);
        var roles = System.Text.Json.JsonDocument.Parse(Jwt.Part(refreshed.AccessToken, 1)).RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ToArray();
        Assert.Equal(new[] { "customer", "partner" }, roles.Select(r => r!).ToArray());
    }

    [Fact]
    public async Task Support_agents_may_read_any_account_but_not_set_roles()
    {
        var admin = await AdminAsync();
        var agent = await TestAccounts.CreateAsync(fixture);
        var other = await TestAccounts.CreateAsync(fixture);
        await fixture.Client.SetRolesAsync(new SetRolesRequest { Name = agent.User.Name, Roles = { Role.SupportAgent } }, admin.Bearer, cancellationToken: Ct);
        var session = await TestAccounts.LoginAsync(fixture, agent.Email, agent.Password);

        Assert.Equal(other.User.Name, (await fixture.Client.GetUserAsync(new GetUserRequest { Name = other.User.Name }, TestAccounts.Bearer(session.AccessToken), cancellationToken: Ct)).Name);
        var set = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.SetRolesAsync(new SetRolesRequest { Name = other.User.Name, Roles = { Role.Admin } }, TestAccounts.Bearer(session.AccessToken), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, set.StatusCode);
    }

    [Fact]
    public async Task An_admin_makes_a_moderator_whose_next_token_carries_the_role()
    {
        var admin = await AdminAsync();
        var moderator = await TestAccounts.CreateAsync(fixture);
        var updated = await fixture.Client.SetRolesAsync(new SetRolesRequest { Name = moderator.User.Name, Roles = { Role.Customer, Role.Moderator } }, admin.Bearer, cancellationToken: Ct);
        Assert.Equal([Role.Customer, Role.Moderator], updated.Roles.ToArray());

        var session = await TestAccounts.LoginAsync(fixture, moderator.Email, moderator.Password);
        var roles = System.Text.Json.JsonDocument.Parse(Jwt.Part(session.AccessToken, 1)).RootElement.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ToArray();
        Assert.Equal(new[] { "customer", "moderator" }, roles.Select(r => r!).ToArray());
    }

    private async Task<TestUser> AdminAsync()
    {
        try
        {
            return await TestAccounts.CreateAsync(fixture, UsersFixture.AdminEmail);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            var session = await TestAccounts.LoginAsync(fixture, UsersFixture.AdminEmail, TestAccounts.Password);
            var me = await fixture.Client.GetMeAsync(new GetMeRequest(), TestAccounts.Bearer(session.AccessToken), cancellationToken: Ct);
            return new TestUser(me, UsersFixture.AdminEmail, TestAccounts.Password, session);
        }
    }
}
