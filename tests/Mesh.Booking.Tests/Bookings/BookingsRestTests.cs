using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>The booking routes through the real gateway (transcoded from booking.proto's google.api.http rules).</summary>
public sealed class BookingsRestTests(CheckoutFixture fixture) : IClassFixture<CheckoutFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task Book_read_list_quote_and_cancel_through_the_edge()
    {
        var (showId, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        using var http = fixture.CreateRestClient();
        http.DefaultRequestHeaders.Add("Authorization", alice.Bearer.GetValue("authorization"));

        var hold = await OkAsync(await http.PostAsJsonAsync("/v1/holds", new { showId, seatIds = new[] { seats[2] } }, Ct));
        var holdId = hold.GetProperty("id").GetString();

        async Task<HttpResponseMessage> CheckoutAsync(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/bookings") { Content = JsonContent.Create(new { holdId, paymentMethodId = alice.CardId }) };
            request.Headers.Add("Idempotency-Key", key);
            return await http.SendAsync(request, Ct);
        }
        var booking = await OkAsync(await CheckoutAsync("rest-key"));
        var id = booking.GetProperty("id").GetString();
        Assert.Equal("CONFIRMED", booking.GetProperty("status").GetString());
        Assert.Equal("1200", booking.GetProperty("amountMinor").ToString());
        Assert.Equal(seats[2], booking.GetProperty("tickets")[0].GetProperty("seatId").GetString());
        Assert.Equal(id, (await OkAsync(await CheckoutAsync("rest-key"))).GetProperty("id").GetString()); // the same key again
        Assert.Equal(1, (await fixture.PaymentsForAsync(id!)).Count);

        var read = await OkAsync(await http.GetAsync($"/v1/bookings/{id}", Ct));
        Assert.Equal(booking.GetProperty("tickets")[0].GetProperty("code").GetString(), read.GetProperty("tickets")[0].GetProperty("code").GetString());
        var list = await OkAsync(await http.GetAsync("/v1/bookings?pageSize=10", Ct));
        Assert.Equal([id], list.GetProperty("bookings").EnumerateArray().Select(b => b.GetProperty("id").GetString()));

        var quote = await OkAsync(await http.GetAsync($"/v1/bookings/{id}:quoteCancellation", Ct));
        Assert.True(quote.GetProperty("cancellable").GetBoolean());
        Assert.Equal("1200", quote.GetProperty("refundMinor").ToString());

        var cancelled = await OkAsync(await http.PostAsJsonAsync($"/v1/bookings/{id}:cancel", new { reason = "cannot come" }, Ct));
        Assert.Equal(("CANCELLED", "1200"), (cancelled.GetProperty("status").GetString(), cancelled.GetProperty("refundMinor").ToString()));

        using var missing = await http.GetAsync($"/v1/bookings/{Guid.NewGuid()}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var bad = await http.GetAsync("/v1/bookings/not-a-uuid", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
