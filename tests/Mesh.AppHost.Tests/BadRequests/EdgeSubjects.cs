using System.Text;

namespace Mesh.AppHost.Tests.BadRequests;

/// <summary>
/// What the bad-request rows point at, made once per test run through the edge itself: a customer with a card, and a
/// show, a bookable service and a venue of the demo catalog.
/// </summary>
public sealed record EdgeSubjects(string Token, string UserName, string PaymentMethod, string Show, string Service, string Venue)
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static EdgeSubjects? made;

    public static async Task<EdgeSubjects> GetAsync(HttpClient edge, CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            return made ??= await MakeAsync(edge, ct);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<EdgeSubjects> MakeAsync(HttpClient edge, CancellationToken ct)
    {
        var email = $"bad-requests-{Guid.NewGuid():N}@example.com";
        const string password = "analytical-engine-1843";
        var user = await edge.SendAsync(HttpMethod.Post, "/v1/users", new { email, password, displayName = "Bad Requests" }, ct: ct);
        var token = (await edge.SendAsync(HttpMethod.Post, "/v1/sessions", new { email, password }, ct: ct)).Str("accessToken");
        var card = await edge.SendAsync(HttpMethod.Post, "/v1/payment-methods",
            new { cardNumber = "4242 4242 4242 4242", expMonth = 12, expYear = DateTime.UtcNow.Year + 3, cvc = "123" }, token, ct: ct);
        var show = (await edge.SendAsync(HttpMethod.Get, "/v1/shows?city=amsterdam&pageSize=1", ct: ct)).GetProperty("shows")[0];
        var service = (await edge.SendAsync(HttpMethod.Get, "/v1/services?city=amsterdam&pageSize=1", ct: ct)).GetProperty("services")[0];
        return new EdgeSubjects(token, user.Str("name"), card.Str("id"), show.Str("id"), service.Str("id"), show.Str("venueId"));
    }

    /// <summary>The Authorization header a caller sends, or null for none. Only a customer's own token needs the subjects.</summary>
    public static string? Authorization(Caller caller, EdgeSubjects? subjects) => caller switch
    {
        Caller.Anonymous => null,
        Caller.EmptyBearer => "Bearer",
        Caller.GarbageToken => "Bearer not-a-jwt",
        Caller.BasicScheme => $"Basic {Convert.ToBase64String(Encoding.ASCII.GetBytes("ada@example.com:analytical-engine-1843"))}",
        Caller.Customer => $"Bearer {TokenOf(subjects)}",
        Caller.TamperedToken => Tampered(TokenOf(subjects)),
        Caller.UnsignedToken => Unsigned(TokenOf(subjects)),
        _ => throw new ArgumentOutOfRangeException(nameof(caller)),
    };

    private static string TokenOf(EdgeSubjects? subjects) =>
        subjects?.Token ?? throw new InvalidOperationException("this caller needs the customer's token");

    /// <summary>One character in the middle of the signature changed (the last one may only carry padding bits).</summary>
    private static string Tampered(string jwt)
    {
        var signatureStart = jwt.LastIndexOf('.') + 1;
        var i = signatureStart + (jwt.Length - signatureStart) / 2;
        return $"Bearer {jwt[..i]}{(jwt[i] == 'A' ? 'B' : 'A')}{jwt[(i + 1)..]}";
    }

    /// <summary>The same claims under {"alg":"none"} and no signature.</summary>
    private static string Unsigned(string jwt)
    {
        var header = Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"alg\":\"none\",\"typ\":\"JWT\"}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"Bearer {header}.{jwt.Split('.')[1]}.";
    }
}
