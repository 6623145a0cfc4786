using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mesh.AppHost.Tests.Readme;

/// <summary>
/// The README's REST walk-through, pasted as written into bash against the whole mesh (only the edge address differs;
/// the app host gets the README's <c>--Mesh:Admins</c> setting), and each step's answer checked.
/// </summary>
public sealed class ReadmeWalkthroughTests(AppHostFixture mesh)
{
    private const string Ada = "ada@example.com";
    private const string Grace = "grace@example.com";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_app_host_runs_with_the_admin_setting_the_README_asks_for() =>
        Assert.Equal([Ada], ReadmeWalkthrough.Admins());

    [Fact]
    public async Task The_README_REST_walk_through_runs_as_written_against_the_whole_mesh()
    {
        var blocks = ReadmeWalkthrough.BashBlocks();
        Assert.True(blocks.Count >= 6, $"expected the walk-through's bash blocks, found {blocks.Count}");
        var script = string.Join("\n", blocks);
        Assert.DoesNotMatch("<[a-z][^<>]*>", script); // no "<a seat id>" left for the reader to fill in
        var edge = mesh.Edge.BaseAddress!.ToString().TrimEnd('/');
        var run = await RecordingShell.RunAsync(script.Replace(ReadmeWalkthrough.DocumentedEdge, edge, StringComparison.Ordinal),
            hangGuard: TimeSpan.FromMinutes(5), Ct);
        TestContext.Current.TestOutputHelper?.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        var steps = new Steps(run);

        // Accounts: Ada is an admin through the app host setting; she signs in and reads herself.
        var ada = steps.One("POST", "/v1/users", body: b => b.Contains(Ada, StringComparison.Ordinal)).Ok();
        Assert.Equal(Ada, ada.Str("email"));
        Assert.Contains("ADMIN", Roles(ada));
        var sessions = steps.All("POST", "/v1/sessions");
        Assert.Equal(2, sessions.Count);
        var adaToken = sessions[0].Ok().Str("accessToken");
        Assert.Equal("Bearer", sessions[0].Ok().Str("tokenType"));
        Assert.Equal(Ada, steps.One("GET", "/v1/users/me").Ok().Str("email"));

        // Browsing, all public.
        Assert.Contains(steps.One("GET", "/v1/cities").Ok().GetProperty("cities").EnumerateArray(), c => c.Str("id") == "amsterdam");
        var venues = steps.One("GET", "/v1/venues").Ok().GetProperty("venues").EnumerateArray().ToList();
        Assert.NotEmpty(venues);
        Assert.All(venues, v => Assert.Equal("amsterdam", v.Str("cityId")));
        var later = steps.One("GET", "/v1/shows", query: q => q.Contains("from=", StringComparison.Ordinal));
        var from = DateTimeOffset.Parse(Query(later.Url, "from"), System.Globalization.CultureInfo.InvariantCulture);
        var laterShows = later.Ok().GetProperty("shows").EnumerateArray().ToList();
        Assert.InRange(laterShows.Count, 1, 2);
        Assert.All(laterShows, s => Assert.True(s.GetProperty("startTime").GetDateTimeOffset() >= from, $"{s} starts before {from}"));
        Assert.All(laterShows, s => Assert.Equal("amsterdam", s.Str("cityId")));
        var service = steps.One("GET", "/v1/services").Ok().GetProperty("services")[0];
        var slotQueries = steps.All("GET", $"/v1/services/{service.Str("id")}/slots");
        Assert.Equal(2, slotQueries.Count);
        Assert.All(slotQueries, q => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", Query(q.Url, "date")));
        Assert.NotEmpty(slotQueries[0].Ok().GetProperty("slots").EnumerateArray());
        Assert.NotEmpty(steps.One("GET", "/v1/plans").Ok().GetProperty("plans").EnumerateArray());

        // A card, and one payment however often it is asked for with the same Idempotency-Key.
        var card = steps.One("POST", "/v1/payment-methods").Ok();
        Assert.Equal("4242", card.Str("last4"));
        var payments = steps.All("POST", "/v1/payments");
        Assert.Equal(2, payments.Count);
        var payment = payments[0].Ok();
        Assert.Equal("SUCCEEDED", payment.Str("status"));
        Assert.Equal(2500, payment.Long("amountCaptured"));
        Assert.Equal(card.Str("id"), payment.Str("paymentMethodId"));
        Assert.Equal(payment.Str("id"), payments[1].Ok().Str("id"));
        Assert.Equal(payment.Str("createTime"), payments[1].Ok().Str("createTime"));

        // Two free seats held; the same seats again refused, naming them; two places of a slot held.
        var show = steps.One("GET", "/v1/shows", query: q => q.Contains("pageSize=1", StringComparison.Ordinal)).Ok().GetProperty("shows")[0];
        Assert.True(steps.One("GET", $"/v1/shows/{show.Str("id")}/seats").Ok().GetProperty("seats").EnumerateArray()
            .Count(s => s.Str("status") == "AVAILABLE") >= 2);
        var holds = steps.All("POST", "/v1/holds");
        Assert.Equal(3, holds.Count);
        var hold = holds[0].Ok();
        Assert.Equal("ACTIVE", hold.Str("status"));
        Assert.Equal(show.Str("id"), hold.Str("showId"));
        var seatIds = hold.GetProperty("seats").EnumerateArray().Select(s => s.Str("seatId")).ToList();
        Assert.Equal(2, seatIds.Count);
        Assert.Equal(400, holds[1].Status);
        var taken = holds[1].Json;
        Assert.Equal(9, taken.GetProperty("code").GetInt32()); // FAILED_PRECONDITION
        Assert.All(seatIds, id => Assert.Contains(id, taken.Str("message")));
        Assert.Contains(taken.GetProperty("details").EnumerateArray(), d => d.TryGetProperty("reason", out var r) && r.GetString() == "SEATS_TAKEN");
        var slotHold = holds[2].Ok();
        Assert.Equal("ACTIVE", slotHold.Str("status"));
        Assert.Equal(service.Str("id"), slotHold.Str("serviceId"));
        Assert.Equal(2, slotHold.GetProperty("quantity").GetInt32());

        // The booking, and the hold's Server-Sent Events from the background watch: they arrive and end with the hold.
        var booking = steps.One("POST", "/v1/bookings").Ok();
        Assert.Equal("CONFIRMED", booking.Str("status"));
        Assert.Equal(hold.Str("id"), booking.Str("holdId"));
        Assert.Equal(hold.Long("amountMinor"), booking.Long("amountMinor"));
        Assert.Equal(2, booking.GetProperty("tickets").GetArrayLength());
        var watch = steps.One("GET", $"/v1/holds/{hold.Str("id")}:watch");
        Assert.Equal(200, watch.Status);
        Assert.StartsWith("text/event-stream", watch.Headers["content-type"], StringComparison.Ordinal);
        var events = ServerSentEvents(watch.Body);
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal(hold.Str("id"), e.GetProperty("hold").Str("id")));
        Assert.Equal("BOOKED", events[^1].GetProperty("hold").Str("status"));
        Assert.Contains(steps.One("GET", "/v1/bookings", query: q => q.Contains("when=UPCOMING", StringComparison.Ordinal)).Ok()
            .GetProperty("bookings").EnumerateArray(), b => b.Str("id") == booking.Str("id"));

        // Roles: Ada (admin) makes Grace a partner; Grace, signed in again, verifies Ada's ticket at the door.
        var grace = steps.One("POST", "/v1/users", body: b => b.Contains(Grace, StringComparison.Ordinal)).Ok();
        Assert.Equal(["CUSTOMER"], Roles(grace));
        var granted = steps.One("POST", $"/v1/{grace.Str("name")}:setRoles").Ok();
        Assert.Equal(["CUSTOMER", "PARTNER"], Roles(granted).Order(StringComparer.Ordinal));
        Assert.Equal(200, sessions[1].Status);
        var verification = steps.One("POST", "/v1/tickets:verify").Ok();
        Assert.True(verification.GetProperty("valid").GetBoolean(), verification.ToString());
        Assert.Equal(booking.Str("id"), verification.Str("bookingId"));
        Assert.Equal(booking.GetProperty("tickets")[0].Str("id"), verification.Str("ticketId"));

        // Cancellation by the policy's quote, and the refund the payment service runs as a queue task.
        var quote = steps.One("GET", $"/v1/bookings/{booking.Str("id")}:quoteCancellation").Ok();
        Assert.True(quote.GetProperty("cancellable").GetBoolean());
        var cancelled = steps.One("POST", $"/v1/bookings/{booking.Str("id")}:cancel").Ok();
        Assert.Equal("CANCELLED", cancelled.Str("status"));
        Assert.Equal(quote.Long("refundMinor"), cancelled.Long("refundMinor"));
        var bookingPayment = steps.One("GET", $"/v1/payments/{booking.Str("paymentId")}").Ok();
        Assert.Equal(booking.Long("amountMinor"), bookingPayment.Long("amountCaptured"));
        Assert.True(quote.Long("refundMinor") > 0, $"shows start a day ahead at the earliest, so cancelling refunds something: {quote}");
        Assert.Equal(quote.Long("refundMinor"), await RefundedAsync(booking.Str("paymentId"), adaToken));

        // Nothing but the deliberate conflict failed, and nothing at all answered 5xx.
        Assert.All(run.Calls.Where(c => !ReferenceEquals(c, holds[1].Call)), c => Assert.True(c.Status is >= 200 and < 300, c.ToString()));
    }

    private static string[] Roles(JsonElement user) => [.. user.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!)];

    private static string Query(Uri url, string name) =>
        Uri.UnescapeDataString(url.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).Single(p => p[0] == name)[1]);

    /// <summary>The JSON of each <c>data:</c> field of a text/event-stream body.</summary>
    private static List<JsonElement> ServerSentEvents(string body) =>
        [.. body.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("data:", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l["data:".Length..]).RootElement.Clone())];

    /// <summary>The payment's amountRefunded once the queued refund has run (polled; the walk-through does not wait for it).</summary>
    private async Task<long> RefundedAsync(string paymentId, string token)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromMinutes(2));
        while (true)
        {
            var payment = await mesh.Edge.SendAsync(HttpMethod.Get, $"/v1/payments/{paymentId}", token: token, ct: cts.Token);
            if (payment.Long("amountRefunded") > 0) return payment.Long("amountRefunded");
            await Task.Delay(250, cts.Token);
        }
    }

    /// <summary>The calls of a run, found by method and path (and, where two look alike, by query or request body).</summary>
    private sealed class Steps(ShellRun run)
    {
        public List<Step> All(string method, string path, Func<string, bool>? query = null, Func<string, bool>? body = null) =>
            [.. run.Calls.Where(c => c.Method == method && Uri.UnescapeDataString(c.Url.AbsolutePath) == path
                    && (query?.Invoke(c.Url.Query) ?? true) && (body?.Invoke(c.RequestBody ?? "") ?? true))
                .Select(c => new Step(c))];

        public Step One(string method, string path, Func<string, bool>? query = null, Func<string, bool>? body = null)
        {
            var found = All(method, path, query, body);
            Assert.True(found.Count == 1, $"expected one {method} {path} in the walk-through, found {found.Count}:\n{run}");
            return found[0];
        }
    }

    private sealed record Step(CurlCall Call)
    {
        public int Status => Call.Status;
        public Uri Url => Call.Url;
        public string Body => Call.Body;
        public IReadOnlyDictionary<string, string> Headers => Call.Headers;
        public JsonElement Json => Call.Json;

        /// <summary>The answer's JSON, once the call is known to have succeeded.</summary>
        public JsonElement Ok()
        {
            Assert.True(Call.Status is >= 200 and < 300, Call.ToString());
            return Call.Json;
        }
    }
}
