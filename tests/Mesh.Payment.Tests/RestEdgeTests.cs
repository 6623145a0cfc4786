using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesh.Payment.Provider;
using Mesh.Payment.Tests.Support;
using Mesh.Testing;

namespace Mesh.Payment.Tests;

/// <summary>The payment service behind the real gateway: each REST route of the contract, the Idempotency-Key header.</summary>
public sealed class RestEdgeTests(RestEdgeTests.Fixture fixture) : IClassFixture<RestEdgeTests.Fixture>
{
    public sealed class Fixture(TestServers servers) : PaymentFixture(servers)
    {
        protected override bool WithGateway => true;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Request(HttpMethod method, string path, string? token, string? json = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return request;
    }

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Every_route_works_through_the_edge()
    {
        using var http = fixture.CreateRestClient();
        var user = Guid.NewGuid();
        var token = fixture.Tokens.Issue(user);
        var year = DateTime.UtcNow.Year + 2;

        var method = await OkAsync(await http.SendAsync(Request(HttpMethod.Post, "/v1/payment-methods", token,
            $$"""{"cardNumber":"{{TestCards.Visa}}","expMonth":12,"expYear":{{year}},"cvc":"123"}"""), Ct));
        var methodId = method.GetProperty("id").GetString();
        Assert.Equal("4242", method.GetProperty("last4").GetString());
        var methods = await OkAsync(await http.SendAsync(Request(HttpMethod.Get, "/v1/payment-methods", token), Ct));
        Assert.Equal(1, methods.GetProperty("paymentMethods").GetArrayLength());

        var key = $"rest-{Guid.NewGuid():N}";
        var body = $$"""{"paymentMethodId":"{{methodId}}","amount":"2500","currency":"EUR","capture":true}""";
        var first = await http.SendAsync(Request(HttpMethod.Post, "/v1/payments", token, body, key), Ct);
        var firstText = await first.Content.ReadAsStringAsync(Ct);
        var second = await http.SendAsync(Request(HttpMethod.Post, "/v1/payments", token, body, key), Ct);
        Assert.Equal(firstText, await second.Content.ReadAsStringAsync(Ct));
        var payment = await OkAsync(first);
        var paymentId = payment.GetProperty("id").GetString();
        Assert.Equal("SUCCEEDED", payment.GetProperty("status").GetString());
        var changed = await http.SendAsync(Request(HttpMethod.Post, "/v1/payments", token, body.Replace("2500", "2600"), key), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, changed.StatusCode); // FAILED_PRECONDITION at the edge

        Assert.Equal(paymentId, (await OkAsync(await http.SendAsync(Request(HttpMethod.Get, $"/v1/payments/{paymentId}", token), Ct))).GetProperty("id").GetString());
        var ownRefund = await http.SendAsync(Request(HttpMethod.Post, $"/v1/payments/{paymentId}/refunds", token, """{"amount":"500"}"""), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, ownRefund.StatusCode); // refunds are staff-only, even of one's own payment
        var staffToken = fixture.Tokens.Issue(Guid.NewGuid(), "support_agent");
        var refund = await OkAsync(await http.SendAsync(Request(HttpMethod.Post, $"/v1/payments/{paymentId}/refunds", staffToken, """{"amount":"500"}"""), Ct));
        Assert.Equal("500", refund.GetProperty("amount").ToString());

        var plans = await OkAsync(await http.SendAsync(Request(HttpMethod.Get, "/v1/plans", token: null), Ct)); // public
        Assert.True(plans.GetProperty("plans").GetArrayLength() >= 1);
        var subscription = await OkAsync(await http.SendAsync(Request(HttpMethod.Post, "/v1/subscriptions", token,
            $$"""{"planId":"basic-monthly","paymentMethodId":"{{methodId}}"}"""), Ct));
        var subscriptionId = subscription.GetProperty("id").GetString();
        Assert.Equal(1, (await OkAsync(await http.SendAsync(Request(HttpMethod.Get, "/v1/subscriptions", token), Ct))).GetProperty("subscriptions").GetArrayLength());
        var canceled = await OkAsync(await http.SendAsync(Request(HttpMethod.Post, $"/v1/subscriptions/{subscriptionId}:cancel", token, """{"immediately":true}"""), Ct));
        Assert.Equal("SUBSCRIPTION_STATUS_CANCELED", canceled.GetProperty("status").GetString());

        var anonymous = await http.SendAsync(Request(HttpMethod.Get, "/v1/payment-methods", token: null), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Confirm_change_plan_and_instalment_routes_work_through_the_edge()
    {
        using var http = fixture.CreateRestClient();
        var token = fixture.Tokens.Issue(Guid.NewGuid());
        var year = DateTime.UtcNow.Year + 2;
        var secure = (await OkAsync(await http.SendAsync(Request(HttpMethod.Post, "/v1/payment-methods", token,
            $$"""{"cardNumber":"{{TestCards.RequiresAction}}","expMonth":12,"expYear":{{year}},"cvc":"123"}"""), Ct))).GetProperty("id").GetString();

        var pending = await OkAsync(await http.SendAsync(Request(HttpMethod.Post, "/v1/payments", token,
            $$"""{"paymentMethodId":"{{secure}}","amount":"1200","currency":"EUR","capture":true}""", $"rest-{Guid.NewGuid():N}"), Ct));
        Assert.Equal("REQUIRES_ACTION", pending.GetProperty("status").GetString());
        Assert.Equal("authenticate", pending.GetProperty("nextAction").GetProperty("type").GetString());
        var id = pending.GetProperty("id").GetString();
        var confirmed = await OkAsync(await http.SendAsync(Request(HttpMethod.Post, $"/v1/payments/{id}:confirm", token, """{"authenticationCode":"424242"}"""), Ct));
        Assert.Equal("SUCCEEDED", confirmed.GetProperty("status").GetString());

        var visa = (await OkAsync(await http.SendAsync(Request(HttpMethod.Post, "/v1/payment-methods", token,
            $$"""{"cardNumber":"{{TestCards.Visa}}","expMonth":12,"expYear":{{year}},"cvc":"123"}"""), Ct))).GetProperty("id").GetString();
        var subscription = await OkAsync(await http.SendAsync(Request(HttpMethod.Post, "/v1/subscriptions", token,
            $$"""{"planId":"plus-monthly","paymentMethodId":"{{visa}}"}"""), Ct));
        var changed = await OkAsync(await http.SendAsync(Request(HttpMethod.Post, $"/v1/subscriptions/{subscription.GetProperty("id").GetString()}:changePlan", token,
            """{"planId":"basic-monthly"}"""), Ct));
        Assert.Equal("basic-monthly", changed.GetProperty("planId").GetString());
        var unknown = await http.SendAsync(Request(HttpMethod.Post, $"/v1/subscriptions/{subscription.GetProperty("id").GetString()}:changePlan", token, """{"planId":"gold"}"""), Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var instalments = await OkAsync(await http.SendAsync(Request(HttpMethod.Post, "/v1/instalment-plans", token,
            $$"""{"paymentMethodId":"{{visa}}","totalAmount":"3000","currency":"EUR","instalments":3,"interval":"INTERVAL_MONTH"}"""), Ct));
        Assert.Equal("INSTALMENT_PLAN_STATUS_ACTIVE", instalments.GetProperty("status").GetString());
        var listed = await OkAsync(await http.SendAsync(Request(HttpMethod.Get, "/v1/instalment-plans", token), Ct));
        Assert.Equal(instalments.GetProperty("id").GetString(), listed.GetProperty("instalmentPlans")[0].GetProperty("id").GetString());
    }
}
