using Google.Rpc;
using Mesh.Analytics.Tests.Support;
using Mesh.Payment.Provider;
using Mesh.Payment.V1;
using Mesh.Users.V1;

namespace Mesh.Analytics.Tests;

/// <summary>
/// The real callers against the real rules: payment refuses a scripted card-testing run (RISK_BLOCKED, the provider
/// never asked) and charges a normal customer; with analytics down it charges anyway (fail open); users refuses a
/// credential-stuffing burst from one IP.
/// </summary>
public sealed class CallersTests(CallersFixture fixture) : IClassFixture<CallersFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string? Reason(RpcException e) => e.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason;

    private async Task<string> SaveCardAsync(Metadata user, string number) =>
        (await fixture.Payment.CreatePaymentMethodAsync(new CreatePaymentMethodRequest { CardNumber = number, ExpMonth = 12, ExpYear = DateTime.UtcNow.Year + 2, Cvc = "123" },
            user, cancellationToken: Ct)).Id;

    private Task<Mesh.Payment.V1.Payment> PayAsync(Metadata user, string method) =>
        fixture.Payment.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = method, Amount = 100, Currency = "EUR", Capture = true, Description = "tickets" },
            new Metadata { { "authorization", user.GetValue("authorization")! }, { "idempotency-key", Guid.NewGuid().ToString() } }, cancellationToken: Ct).ResponseAsync;

    [Fact]
    public async Task A_scripted_card_testing_run_through_payment_is_blocked_and_a_normal_customer_pays()
    {
        var attacker = fixture.Customer(Guid.NewGuid().ToString());
        var cards = new List<string>();
        foreach (var number in new[] { TestCards.Declined, TestCards.InsufficientFunds, TestCards.Mastercard, TestCards.Visa })
            cards.Add(await SaveCardAsync(attacker, number));

        // Three cards tried (two declined by the provider); the fourth distinct card is card testing.
        for (var i = 0; i < 3; i++)
        {
            try { await PayAsync(attacker, cards[i]); }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && Reason(e) != "RISK_BLOCKED") { /* the provider's decline */ }
        }
        var blocked = await Assert.ThrowsAsync<RpcException>(() => PayAsync(attacker, cards[3]));
        Assert.Equal(StatusCode.FailedPrecondition, blocked.StatusCode);
        Assert.Equal("RISK_BLOCKED", Reason(blocked));
        Assert.Contains("CARD_TESTING", blocked.Status.Detail);

        var customer = fixture.Customer(Guid.NewGuid().ToString());
        var card = await SaveCardAsync(customer, TestCards.Visa);
        Assert.Equal(PaymentStatus.Succeeded, (await PayAsync(customer, card)).Status);
        Assert.Equal(PaymentStatus.Succeeded, (await PayAsync(customer, card)).Status);
    }

    [Fact]
    public async Task With_analytics_down_payment_fails_open_and_charges()
    {
        var customer = fixture.Customer(Guid.NewGuid().ToString());
        var card = await SaveCardAsync(customer, TestCards.Visa);
        await fixture.StopAnalyticsAsync();
        try
        {
            Assert.Equal(PaymentStatus.Succeeded, (await PayAsync(customer, card)).Status);
        }
        finally
        {
            await fixture.StartAnalyticsAsync();
        }
    }

    [Fact]
    public async Task A_credential_stuffing_burst_from_one_ip_is_refused_before_the_password_is_checked()
    {
        var ip = $"203.0.113.{Random.Shared.Next(1, 250)}";
        var headers = new Metadata { { "x-forwarded-for", ip } };
        var codes = new List<StatusCode>();
        for (var i = 0; i < 21; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromMilliseconds(900 + i * 137 % 1100));   // a human-looking pace: only the volume gives it away
            var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Users.LoginAsync(
                new LoginRequest { Email = $"victim{i}@mesh.test", Password = "not-their-password" }, headers, cancellationToken: Ct).ResponseAsync);
            codes.Add(e.StatusCode);
            if (i == 20) Assert.Equal("RISK_BLOCKED", Reason(e));
        }
        Assert.All(codes.Take(20), c => Assert.Equal(StatusCode.Unauthenticated, c));
        Assert.Equal(StatusCode.PermissionDenied, codes[20]);
    }
}
