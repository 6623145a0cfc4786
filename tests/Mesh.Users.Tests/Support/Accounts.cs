using System.Net.Http.Headers;
using Mesh.Users.V1;

namespace Mesh.Users.Tests.Support;

/// <summary>A registered, signed-in test user.</summary>
public sealed record TestUser(User User, string Email, string Password, Session Session)
{
    public string Id => User.Name["users/".Length..];
    public Metadata Bearer => TestAccounts.Bearer(Session.AccessToken);
}

/// <summary>Shortcuts the tests share: unique accounts, bearer metadata and headers.</summary>
public static class TestAccounts
{
    public const string Password = "correct horse battery staple";

    public static string UniqueEmail(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@example.test";

    public static async Task<TestUser> CreateAsync(UsersFixture fixture, string? email = null, string? ip = null)
    {
        email ??= UniqueEmail();
        var user = await fixture.Client.RegisterAsync(new RegisterRequest { Email = email, Password = Password, DisplayName = "Test User" },
            cancellationToken: TestContext.Current.CancellationToken);
        var session = await LoginAsync(fixture, email, Password, ip);
        return new TestUser(user, email, Password, session);
    }

    public static async Task<Session> LoginAsync(UsersFixture fixture, string email, string password, string? ip = null)
    {
        var headers = ip is null ? null : new Metadata { { "x-forwarded-for", ip } };
        return await fixture.Client.LoginAsync(new LoginRequest { Email = email, Password = password }, headers,
            cancellationToken: TestContext.Current.CancellationToken);
    }

    public static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    public static HttpRequestMessage Rest(HttpMethod method, string path, string? token = null, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return request;
    }
}
