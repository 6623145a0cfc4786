using System.Diagnostics;
using System.Net.Http.Json;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>
/// One trace from the REST edge to the consumer of the event a payment announces: edge → booking (gRPC) → payment
/// (gRPC) → payment's outbox relay → RabbitMQ → booking's payment-events consumer. Asserted on the spans an
/// OpenTelemetry exporter receives from the real in-process services (ServiceDefaults' instrumentation and the
/// messaging spans), not on headers.
/// </summary>
public sealed class TraceTests(CheckoutFixture fixture) : IClassFixture<CheckoutFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_trace_spans_edge_booking_payment_broker_and_booking_consumer()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(Caller.Name, "Microsoft.AspNetCore", "System.Net.Http", "RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber", Mesh.ServiceDefaults.Telemetry.MeshTelemetry.MessagingSourceName)
            .AddGrpcClientInstrumentation()
            .AddInMemoryExporter(spans)
            .Build();

        var (showId, seats) = fixture.AddShow();
        var customer = await fixture.NewCustomerAsync();
        using var http = fixture.CreateRestClient();
        http.DefaultRequestHeaders.Add("Authorization", customer.Bearer.GetValue("authorization"));
        using var holdResponse = await http.PostAsJsonAsync("/v1/holds", new { showId, seatIds = new[] { seats[0] } }, Ct);
        var holdId = (await holdResponse.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("id").GetString();

        // The caller starts the trace (its HttpClient sends traceparent): every span of the checkout must carry its id.
        ActivityTraceId traceId;
        ActivitySpanId rootId;
        using (var root = Caller.StartActivity("checkout", ActivityKind.Internal)!)
        {
            (traceId, rootId) = (root.TraceId, root.SpanId);
            using var checkout = new HttpRequestMessage(HttpMethod.Post, "/v1/bookings")
            {
                Content = JsonContent.Create(new { holdId, paymentMethodId = customer.CardId }),
            };
            checkout.Headers.Add("Idempotency-Key", $"trace-{traceId}");
            using var response = await http.SendAsync(checkout, Ct);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        }

        Activity[] Trace() { lock (spans) return spans.Where(s => s.TraceId == traceId).ToArray(); }
        string Summary() => string.Join("; ", Trace().Select(s => $"{s.Kind} {s.Source.Name} '{s.DisplayName}'"))
            + $" (all spans: {spans.Count}: " + string.Join("; ", spans.ToArray().TakeLast(15).Select(s => $"{s.Kind} {s.DisplayName} {s.TraceId}")) + ")";
        bool Has(ActivityKind kind, string text) => Trace().Any(s => s.Kind == kind && Describes(s, text));

        // The consumer span comes last: the relay polls its outbox, then the broker delivers.
        await Eventually.UntilAsync(() => Task.FromResult(Summary()), _ => Has(ActivityKind.Consumer, "booking.payment-events"),
            "booking's consumer span in the checkout's trace");

        Assert.True(Has(ActivityKind.Server, "/v1/bookings"), "no edge span for POST /v1/bookings");
        Assert.True(Has(ActivityKind.Server, "mesh.booking.v1.Booking/Checkout"), "no booking server span");
        Assert.True(Has(ActivityKind.Server, "mesh.payment.v1.Payments/CreatePayment"), "no payment server span");
        Assert.True(Has(ActivityKind.Producer, "payment.succeeded"), "no outbox relay publish of payment.succeeded");
        var consumer = Trace().Single(s => s.Kind == ActivityKind.Consumer && Describes(s, "booking.payment-events"));
        Assert.Equal("payment.succeeded", consumer.GetTagItem("messaging.rabbitmq.destination.routing_key"));
        // Every span but the caller's root has its parent inside the trace: it is one tree, not spans that share an id.
        // A span is exported when it ends, a parent after its children: wait for the tree to close (hang guard only).
        string[] Orphans()
        {
            var trace = Trace();
            var ids = trace.Select(s => s.SpanId).ToHashSet();
            return trace.Where(s => s.SpanId != rootId && !ids.Contains(s.ParentSpanId)).Select(s => $"{s.Source.Name} {s.Kind} '{s.DisplayName}'").ToArray();
        }
        var orphans = await Eventually.UntilAsync(() => Task.FromResult(Orphans()), o => o.Length == 0, "every span's parent in the trace");
        Assert.Empty(orphans);
    }

    private static readonly ActivitySource Caller = new("Mesh.Booking.Tests.Caller");

    private static bool Describes(Activity span, string text) =>
        span.DisplayName.Contains(text, StringComparison.Ordinal) ||
        span.TagObjects.Any(t => t.Value is string value && value.Contains(text, StringComparison.Ordinal));
}
