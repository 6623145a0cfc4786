using System.Text.Json;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Mesh.AppHost.Tests;

/// <summary>The README's walk-through against the whole app host, through the REST edge.</summary>
public sealed class BookingFlowTests(AppHostFixture mesh)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_sign_in_browse_hold_book_cancel_and_refund()
    {
        var (token, paymentMethod) = await mesh.SignUpAsync(Ct);
        var (show, seat) = await mesh.FreeSeatAsync(last: false, Ct);

        var hold = await mesh.Edge.SendAsync(HttpMethod.Post, "/v1/holds", new { showId = show, seatIds = new[] { seat } }, token, ct: Ct);
        Assert.Equal("ACTIVE", hold.Str("status"));
        var booking = await mesh.Edge.SendAsync(HttpMethod.Post, "/v1/bookings", new { holdId = hold.Str("id"), paymentMethodId = paymentMethod },
            token, idempotencyKey: $"checkout-{Guid.NewGuid():N}", ct: Ct);
        Assert.Equal("CONFIRMED", booking.Str("status"));
        Assert.Equal(hold.Long("amountMinor"), booking.Long("amountMinor"));
        // The catalog's seat map may be up to a second stale (it caches booking's seat status): poll, with a hang guard.
        string? status = null;
        for (var attempt = 0; attempt < 300 && status is null or "AVAILABLE"; attempt++)
        {
            if (attempt > 0) await Task.Delay(100, Ct);
            var seats = await mesh.Edge.SendAsync(HttpMethod.Get, $"/v1/shows/{show}/seats", ct: Ct);
            status = seats.GetProperty("seats").EnumerateArray().Single(s => s.Str("id") == seat).Str("status");
        }
        Assert.NotEqual("AVAILABLE", status);

        var quote = await mesh.Edge.SendAsync(HttpMethod.Get, $"/v1/bookings/{booking.Str("id")}:quoteCancellation", token: token, ct: Ct);
        Assert.True(quote.GetProperty("cancellable").GetBoolean());
        var cancelled = await mesh.Edge.SendAsync(HttpMethod.Post, $"/v1/bookings/{booking.Str("id")}:cancel", new { }, token, ct: Ct);
        Assert.Equal("CANCELLED", cancelled.Str("status"));

        var payment = await WaitForRefundAsync(booking.Str("paymentId"), token);
        Assert.Equal(quote.Long("refundMinor"), payment.Long("amountRefunded"));
        Assert.Equal(booking.Long("amountMinor"), payment.Long("amountCaptured"));
    }

    [Fact]
    public async Task A_service_stopped_mid_flow_and_started_again_loses_nothing()
    {
        var (token, paymentMethod) = await mesh.SignUpAsync(Ct);
        var (show, seat) = await mesh.FreeSeatAsync(last: true, Ct);
        var hold = await mesh.Edge.SendAsync(HttpMethod.Post, "/v1/holds", new { showId = show, seatIds = new[] { seat } }, token, ct: Ct);
        var booking = await mesh.Edge.SendAsync(HttpMethod.Post, "/v1/bookings", new { holdId = hold.Str("id"), paymentMethodId = paymentMethod },
            token, idempotencyKey: $"checkout-{Guid.NewGuid():N}", ct: Ct);
        Assert.Equal("CONFIRMED", booking.Str("status"));
        var quote = await mesh.Edge.SendAsync(HttpMethod.Get, $"/v1/bookings/{booking.Str("id")}:quoteCancellation", token: token, ct: Ct);

        // Payment goes away (the dashboard's Stop); the cancellation is accepted and its refund waits in RabbitMQ.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(AppHostFixture.StartTimeout);
        await mesh.StopAsync("payment", cts.Token);
        var cancelled = await mesh.Edge.SendAsync(HttpMethod.Post, $"/v1/bookings/{booking.Str("id")}:cancel", new { }, token, ct: Ct);
        Assert.Equal("CANCELLED", cancelled.Str("status"));

        await mesh.StartAsync("payment", cts.Token);
        var payment = await WaitForRefundAsync(booking.Str("paymentId"), token);
        Assert.Equal(quote.Long("refundMinor"), payment.Long("amountRefunded"));
        var after = await mesh.Edge.SendAsync(HttpMethod.Get, $"/v1/bookings/{booking.Str("id")}", token: token, ct: Ct);
        Assert.Equal("CANCELLED", after.Str("status"));
        await mesh.AssertLedgerBalancesAsync(Ct);
    }

    /// <summary>Polls the payment until a refund shows; the refund runs in the payment service as a queue task.</summary>
    private async Task<JsonElement> WaitForRefundAsync(string paymentId, string token)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromMinutes(2));
        while (true)
        {
            // Right after payment's restart the edge may still answer 503 for it: ask again.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/payments/{paymentId}") { Headers = { Authorization = new("Bearer", token) } };
            using var response = await mesh.Edge.SendAsync(request, cts.Token);
            if (response.IsSuccessStatusCode)
            {
                var payment = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token)).RootElement.Clone();
                if (payment.Long("amountRefunded") > 0) return payment;
            }
            await Task.Delay(250, cts.Token);
        }
    }
}
