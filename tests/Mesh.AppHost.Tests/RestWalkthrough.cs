namespace Mesh.AppHost.Tests;

/// <summary>The first steps of the README's walk-through through the REST edge, shared by the tests that book.</summary>
public static class RestWalkthrough
{
    /// <summary>Registers a new customer, signs in, checks who that is, and saves a card that pays.</summary>
    public static async Task<(string Token, string PaymentMethod)> SignUpAsync(this AppHostFixture mesh, CancellationToken ct)
    {
        var email = $"ada-{Guid.NewGuid():N}@example.com";
        var user = await mesh.Edge.SendAsync(HttpMethod.Post, "/v1/users", new { email, password = AppHostFixture.Password, displayName = "Ada Lovelace" }, ct: ct);
        Assert.Equal(email, user.Str("email"));
        var session = await mesh.Edge.SendAsync(HttpMethod.Post, "/v1/sessions", new { email, password = AppHostFixture.Password }, ct: ct);
        var token = session.Str("accessToken");
        var me = await mesh.Edge.SendAsync(HttpMethod.Get, "/v1/users/me", token: token, ct: ct);
        Assert.Equal(email, me.Str("email"));
        var method = await mesh.Edge.SendAsync(HttpMethod.Post, "/v1/payment-methods",
            new { cardNumber = "4242 4242 4242 4242", expMonth = 12, expYear = 2030, cvc = "123" }, token, ct: ct);
        return (token, method.Str("id"));
    }

    /// <summary>Browses to Amsterdam's first show and picks its first (or last) free seat.</summary>
    public static async Task<(string Show, string Seat)> FreeSeatAsync(this AppHostFixture mesh, bool last, CancellationToken ct)
    {
        var cities = await mesh.Edge.SendAsync(HttpMethod.Get, "/v1/cities", ct: ct);
        Assert.NotEmpty(cities.GetProperty("cities").EnumerateArray());
        var shows = await mesh.Edge.SendAsync(HttpMethod.Get, "/v1/shows?city=amsterdam&pageSize=1", ct: ct);
        var show = shows.GetProperty("shows")[0].Str("id");
        var seats = await mesh.Edge.SendAsync(HttpMethod.Get, $"/v1/shows/{show}/seats", ct: ct);
        var free = seats.GetProperty("seats").EnumerateArray().Where(s => s.Str("status") == "AVAILABLE").ToList();
        return (show, (last ? free[^1] : free[0]).Str("id"));
    }
}
