using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Google.Rpc;
using Mesh.Users.Tests.Support;
using Mesh.Users.V1;

namespace Mesh.Users.Tests;

/// <summary>Bad input → INVALID_ARGUMENT (gRPC) / 400 (REST) naming the field; never a 500, never a half-written account.</summary>
public sealed class BadInputTests(UsersFixture fixture) : IClassFixture<UsersFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string Long = new('a', 300);

    // email, password, display name → the field the violation must name (null: accepted, the control row).
    public static TheoryData<string, string, string, string?> Registrations => new()
    {
        { "not-an-email", TestAccounts.Password, "Ann", "email" },
        { "", TestAccounts.Password, "Ann", "email" },
        { "two@@example.org", TestAccounts.Password, "Ann", "email" },
        { $"{Long}@example.org", TestAccounts.Password, "Ann", "email" },
        { "{unique}", "short", "Ann", "password" },
        { "{unique}", "", "Ann", "password" },
        { "{unique}", "password123", "Ann", "password" },
        { "{unique}", "{email}", "Ann", "password" },
        { "{unique}", new string('p', 257), "Ann", "password" },
        { "{unique}", TestAccounts.Password, "", "display_name" },
        { "{unique}", TestAccounts.Password, "   ", "display_name" },
        { "{unique}", TestAccounts.Password, new string('n', 101), "display_name" },
        { "{unique}", TestAccounts.Password, "bell\u0007", "display_name" },
        { "{unique}", TestAccounts.Password, "Ann", null },
    };

    [Theory]
    [MemberData(nameof(Registrations))]
    public async Task Register_over_grpc(string email, string password, string displayName, string? field)
    {
        email = email.Replace("{unique}", TestAccounts.UniqueEmail());
        password = password.Replace("{email}", email);
        var call = fixture.Client.RegisterAsync(new RegisterRequest { Email = email, Password = password, DisplayName = displayName }, cancellationToken: Ct);
        if (field is null) { Assert.NotEmpty((await call).Name); return; }
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync), field);
        // Nothing was written: the same email registers fine once the input is good.
        if (EmailIsValid(email))
            await fixture.Client.RegisterAsync(new RegisterRequest { Email = email, Password = TestAccounts.Password, DisplayName = "Ann" }, cancellationToken: Ct);
    }

    [Theory]
    [MemberData(nameof(Registrations))]
    public async Task Register_over_rest(string email, string password, string displayName, string? field)
    {
        email = email.Replace("{unique}", TestAccounts.UniqueEmail());
        password = password.Replace("{email}", email);
        var body = JsonSerializer.Serialize(new { email, password, displayName });
        var response = await fixture.CreateRestClient().SendAsync(TestAccounts.Rest(HttpMethod.Post, "/v1/users", json: body), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        if (field is null) { Assert.Equal(HttpStatusCode.OK, response.StatusCode); return; }
        AssertRestViolation(response, text, field);
    }

    [Fact]
    public async Task Unknown_fields_are_rejected_over_grpc()
    {
        var good = new RegisterRequest { Email = TestAccounts.UniqueEmail(), Password = TestAccounts.Password, DisplayName = "Ann" }.ToByteArray();
        // Field 99 (varint 1) is not in RegisterRequest: a client on another contract.
        var withUnknown = RegisterRequest.Parser.ParseFrom([.. good, 0x98, 0x06, 0x01]);
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.RegisterAsync(withUnknown, cancellationToken: Ct).ResponseAsync);
        AssertViolation(e, "#99");

        var user = await TestAccounts.CreateAsync(fixture);
        var nested = UpdateMeRequest.Parser.ParseFrom([.. new UpdateMeRequest { User = new User { DisplayName = "x" } }.ToByteArray(), 0x0A, 0x03, 0xA0, 0x06, 0x01]);
        var e2 = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.UpdateMeAsync(nested, user.Bearer, cancellationToken: Ct).ResponseAsync);
        AssertViolation(e2, "user.#100");
    }

    [Theory]
    [InlineData("/v1/users", """{"email":"a@example.org","password":"correct horse battery staple","displayName":"A","isAdmin":true}""", "isAdmin")]
    [InlineData("/v1/sessions", """{"email":"a@example.org","password":"correct horse battery staple","remember":true}""", "remember")]
    [InlineData("/v1/sessions:refresh", """{"refreshToken":"x","userId":"someone"}""", "userId")]
    public async Task Unknown_fields_are_rejected_over_rest(string path, string body, string field)
    {
        var response = await fixture.CreateRestClient().SendAsync(TestAccounts.Rest(HttpMethod.Post, path, json: body), Ct);
        AssertRestViolation(response, await response.Content.ReadAsStringAsync(Ct), field);
    }

    [Fact]
    public async Task Other_methods_name_their_bad_fields()
    {
        var user = await TestAccounts.CreateAsync(fixture);
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.LoginAsync(new LoginRequest { Email = "nope", Password = "x" }, cancellationToken: Ct).ResponseAsync), "email");
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.LoginAsync(new LoginRequest { Email = user.Email, Password = "" }, cancellationToken: Ct).ResponseAsync), "password");
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.RefreshSessionAsync(new RefreshSessionRequest(), cancellationToken: Ct).ResponseAsync), "refresh_token");
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.RefreshSessionAsync(new RefreshSessionRequest { RefreshToken = Long + Long }, cancellationToken: Ct).ResponseAsync), "refresh_token");
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.GetUserAsync(new GetUserRequest { Name = "users/not-a-uuid" }, user.Bearer, cancellationToken: Ct).ResponseAsync), "name");
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.UpdateMeAsync(new UpdateMeRequest { User = new User { DisplayName = new string('n', 101) } }, user.Bearer, cancellationToken: Ct).ResponseAsync), "user.display_name");
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.UpdateMeAsync(new UpdateMeRequest { User = new User { Email = "x@y.org" }, UpdateMask = new() { Paths = { "email" } } }, user.Bearer, cancellationToken: Ct).ResponseAsync), "update_mask");
        AssertViolation(await Assert.ThrowsAsync<RpcException>(() => fixture.Client.ChangePasswordAsync(new ChangePasswordRequest { CurrentPassword = user.Password, NewPassword = "short" }, user.Bearer, cancellationToken: Ct).ResponseAsync), "new_password");

        var http = fixture.CreateRestClient();
        var patch = await http.SendAsync(TestAccounts.Rest(HttpMethod.Patch, "/v1/users/me", user.Session.AccessToken, JsonSerializer.Serialize(new { displayName = new string('n', 101) })), Ct);
        AssertRestViolation(patch, await patch.Content.ReadAsStringAsync(Ct), "user.display_name");
        var get = await http.SendAsync(TestAccounts.Rest(HttpMethod.Get, "/v1/users/not-a-uuid", user.Session.AccessToken), Ct);
        AssertRestViolation(get, await get.Content.ReadAsStringAsync(Ct), "name");
    }

    private static bool EmailIsValid(string email) => Mesh.Users.Accounts.EmailAddress.Check(Mesh.Users.Accounts.EmailAddress.Normalize(email)) is null;

    private static void AssertViolation(RpcException e, string field)
    {
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var badRequest = e.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Contains(badRequest.FieldViolations, v => v.Field == field);
    }

    private static void AssertRestViolation(HttpResponseMessage response, string text, string field)
    {
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {text}");
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(3, json.GetProperty("code").GetInt32());
        var fields = json.GetProperty("details").EnumerateArray()
            .Where(d => d.TryGetProperty("fieldViolations", out _))
            .SelectMany(d => d.GetProperty("fieldViolations").EnumerateArray())
            .Select(v => v.GetProperty("field").GetString()).ToList();
        Assert.Contains(field, fields);
    }
}
