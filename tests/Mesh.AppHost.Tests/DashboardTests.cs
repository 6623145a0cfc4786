using System.Diagnostics;

namespace Mesh.AppHost.Tests;

/// <summary>
/// The Aspire dashboard of the fixture's app host, as a person sees it in a browser: every resource running and
/// healthy, and a booking made through the REST edge as one trace from the gateway through booking to payment.
/// Resources are told apart by their names in the app model, never by span names (the edge's change).
/// </summary>
public sealed class DashboardTests(AppHostFixture mesh)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    /// <summary>How long the dashboard may take to show what already happened (telemetry is exported in batches).</summary>
    private static readonly TimeSpan CatchUp = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Every_resource_is_running_and_healthy_on_the_resources_page()
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(CatchUp);
        ResourcesPage page;
        while (true)
        {
            page = await DashboardBrowser.ReadResourcesAsync(mesh.DashboardUrl, Ct);
            if (AllRunningAndHealthy(page.Rows) || guard.IsCancellationRequested) break;
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        }

        var seen = page.Rows.Count > 0 ? string.Join(", ", page.Rows.Select(r => $"{r.Name}: {r.State}")) : $"no resource; the page says: {page.PageText}";
        Assert.True(AllRunningAndHealthy(page.Rows), $"the dashboard shows {seen}");
        // The dashboard says "Running" only for a running resource whose health checks pass ("Running (Unhealthy)" else).
        Assert.All(page.Rows, r => Assert.Equal("Running", r.State));
        Assert.Equal(AppHostFixture.Resources.Order(StringComparer.Ordinal), page.Rows.Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_booking_through_the_edge_is_one_trace_from_gateway_through_booking_to_payment()
    {
        var (token, paymentMethod) = await mesh.SignUpAsync(Ct);
        var (show, seat) = await mesh.FreeSeatAsync(last: false, Ct);
        var hold = await mesh.Edge.SendAsync(HttpMethod.Post, "/v1/holds", new { showId = show, seatIds = new[] { seat } }, token, ct: Ct);
        // The test starts the trace (W3C traceparent, sampled) so it knows which one to look for.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var booking = await mesh.Edge.SendAsync(HttpMethod.Post, "/v1/bookings", new { holdId = hold.Str("id"), paymentMethodId = paymentMethod },
            token, idempotencyKey: $"checkout-{Guid.NewGuid():N}", traceParent: $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01", ct: Ct);
        Assert.Equal("CONFIRMED", booking.Str("status"));

        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(CatchUp);
        TracePage trace;
        while (true)
        {
            trace = await DashboardBrowser.ReadTraceAsync(mesh.DashboardUrl, traceId, Ct);
            if ((trace.Found && Nested(trace.Spans, "gateway", "booking", "payment")) || guard.IsCancellationRequested) break;
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        }

        Assert.True(trace.Found, $"the Traces page does not list trace {traceId}; it says: {trace.PageText}");
        var spans = trace.Spans;
        var tree = string.Join("\n", spans.Select(s => $"{new string(' ', (int)(s.Indent / 5))}{s.Resource}: {s.Name}"));
        TestContext.Current.TestOutputHelper?.WriteLine(tree);
        Assert.True(spans.Count > 0 && spans[0].Resource == "gateway", $"the trace does not start at the gateway:\n{tree}");
        Assert.True(Nested(spans, "gateway", "booking", "payment"), $"no payment span under a booking span under a gateway span:\n{tree}");
    }

    private static bool AllRunningAndHealthy(IReadOnlyList<ResourceRow> rows) =>
        rows.Count == AppHostFixture.Resources.Length && rows.All(r => r.State == "Running") &&
        AppHostFixture.Resources.All(name => rows.Any(r => r.Name == name));

    /// <summary>
    /// Whether the span tree, as the dashboard lays it out (display order, deeper rows indented further), holds a span of
    /// each resource in turn inside the one before: a row's subtree is the rows after it until one indented no further.
    /// </summary>
    private static bool Nested(IReadOnlyList<TraceRow> spans, params string[] resources)
    {
        return Within(0, spans.Count, 0);

        bool Within(int from, int to, int level)
        {
            if (level == resources.Length) return true;
            for (var i = from; i < to; i++)
            {
                if (spans[i].Resource != resources[level]) continue;
                var end = i + 1;
                while (end < to && spans[end].Indent > spans[i].Indent) end++;
                if (Within(i + 1, end, level + 1)) return true;
            }
            return false;
        }
    }
}
