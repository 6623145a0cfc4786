using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Rpc;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Payment.Tests;

/// <summary>
/// The payment service's own REST surface (JSON transcoding on its http endpoint): a NUL in a payment's description
/// is refused before it reaches the database (it used to answer 500), an amount says its real limits in digits, and
/// the OpenAPI document lists every http rule of the contract.
/// </summary>
public sealed class ServiceRestInputTests(ServiceRestInputTests.Fixture fixture) : IClassFixture<ServiceRestInputTests.Fixture>
{
    public sealed class Fixture(TestServers servers) : PaymentFixture(servers);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Http() => new() { BaseAddress = fixture.Services.GetRequiredService<ServiceEndpoints>().HttpAddress };

    private async Task<(HttpStatusCode Status, JsonElement Body)> PayAsync(TestCaller caller, string amountJson, string description)
    {
        var card = await fixture.AddCardAsync(caller);
        using var http = Http();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/payments")
        {
            Content = new StringContent($$"""{"paymentMethodId":"{{card}}","amount":{{amountJson}},"currency":"EUR","capture":true,"description":{{description}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(caller.Bearer.GetValue("authorization")!);
        request.Headers.Add("Idempotency-Key", $"rest-{Guid.NewGuid():N}");
        var response = await http.SendAsync(request, Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }

    private static string FieldOf(JsonElement error) => error.GetProperty("details")[0].GetProperty("fieldViolations")[0].GetProperty("field").GetString()!;

    [Fact]
    public async Task A_nul_in_the_description_is_a_400_naming_it()
    {
        var (status, error) = await PayAsync(fixture.NewCaller(), "2500", "\"tickets\\u0000\"");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("description", FieldOf(error));
        Assert.Contains("NUL", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_nul_in_the_description_over_grpc_is_invalid_argument()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CreatePaymentAsync(
            new CreatePaymentRequest { PaymentMethodId = card, Amount = 2500, Currency = "EUR", Capture = true, Description = "a\0b" },
            caller.WithKey($"grpc-{Guid.NewGuid():N}"), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("description", Assert.Single(e.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations).Field);
    }

    [Fact]
    public async Task The_largest_int64_amount_is_refused_with_the_payment_limit_in_digits()
    {
        var (status, error) = await PayAsync(fixture.NewCaller(), "9223372036854775807", "\"\"");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains($"{PaymentsApi.MaxAmount}", message);
        Assert.DoesNotContain("E+", message);
    }

    [Fact]
    public async Task An_amount_beyond_int64_is_refused_with_the_int64_limit_in_digits()
    {
        var (status, error) = await PayAsync(fixture.NewCaller(), "9223372036854775808", "\"\"");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("amount", FieldOf(error));
        Assert.Contains("at most 9223372036854775807", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_openapi_document_lists_every_http_rule()
    {
        using var http = Http();
        var document = await OpenApiRoutes.FetchAsync(http, Ct);
        Assert.Equal(OpenApiRoutes.Declared(Payments.Descriptor), OpenApiRoutes.Listed(document));
    }
}
