using Mesh.Payment.Provider;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;

namespace Mesh.Payment.Tests;

/// <summary>Test cards: success, decline, insufficient funds, timeout (resolved later, never charged twice); capture and void.</summary>
public sealed class ProviderOutcomeTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(TestCards.Declined, "CARD_DECLINED", "card_declined")]
    [InlineData(TestCards.InsufficientFunds, "INSUFFICIENT_FUNDS", "insufficient_funds")]
    public async Task A_declined_card_fails_the_payment_and_records_it_without_money_moving(string card, string reason, string code)
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller, card);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CreatePaymentAsync(
            new CreatePaymentRequest { PaymentMethodId = method, Amount = 900, Currency = "EUR", Capture = true }, caller.Bearer, cancellationToken: Ct));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        var info = error.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>();
        Assert.Equal(reason, info?.Reason);
        var payment = await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = info!.Metadata["payment_id"] }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(PaymentStatus.Failed, payment.Status);
        Assert.Equal(code, payment.FailureCode);
        Assert.Equal(0, payment.AmountCaptured);
        Assert.Equal(0, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM ledger_transactions WHERE payment_id = @p", new { p = Guid.Parse(payment.Id) }));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM mesh_outbox WHERE type = 'payment.failed' AND convert_from(body, 'UTF8')::jsonb->>'PaymentId' = @p", new { p = payment.Id }));
    }

    [Fact]
    public async Task A_timeout_leaves_the_payment_processing_until_the_provider_record_settles_it_once()
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller, TestCards.Timeout);
        var key = $"k-{Guid.NewGuid():N}";
        var request = new CreatePaymentRequest { PaymentMethodId = method, Amount = 7_500, Currency = "GBP", Capture = true };

        var first = await fixture.Client.CreatePaymentAsync(request, caller.WithKey(key), cancellationToken: Ct);
        Assert.Equal(PaymentStatus.Processing, first.Status);
        var authorizations = fixture.Provider.Authorizations;
        var retried = await fixture.Client.CreatePaymentAsync(request, caller.WithKey(key), cancellationToken: Ct);
        Assert.Equal(first, retried);
        Assert.Equal(authorizations, fixture.Provider.Authorizations);

        await fixture.Maintenance.RunOnceAsync(Ct);
        await fixture.Maintenance.RunOnceAsync(Ct); // a second round changes nothing

        var settled = await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = first.Id }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(PaymentStatus.Succeeded, settled.Status);
        Assert.Equal(7_500, settled.AmountCaptured);
        Assert.Equal(7_500, await fixture.Provider.NetOfAsync(first.Id));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM ledger_transactions WHERE payment_id = @p", new { p = Guid.Parse(first.Id) }));
    }

    [Fact]
    public async Task Authorize_then_capture_and_authorize_then_void()
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller, TestCards.Mastercard);
        var held = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = method, Amount = 3_000, Currency = "EUR", Capture = false }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(PaymentStatus.RequiresCapture, held.Status);

        var captured = await fixture.Client.CapturePaymentAsync(new CapturePaymentRequest { Id = held.Id }, caller.Bearer, cancellationToken: Ct);
        var capturedAgain = await fixture.Client.CapturePaymentAsync(new CapturePaymentRequest { Id = held.Id }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(PaymentStatus.Succeeded, captured.Status);
        Assert.Equal(captured, capturedAgain);
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM ledger_transactions WHERE payment_id = @p", new { p = Guid.Parse(held.Id) }));
        var voidCaptured = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.VoidPaymentAsync(new VoidPaymentRequest { Id = held.Id }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, voidCaptured.StatusCode);

        var other = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = method, Amount = 1_000, Currency = "EUR", Capture = false }, caller.Bearer, cancellationToken: Ct);
        var voided = await fixture.Client.VoidPaymentAsync(new VoidPaymentRequest { Id = other.Id }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(PaymentStatus.Canceled, voided.Status);
        var captureVoided = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CapturePaymentAsync(new CapturePaymentRequest { Id = other.Id }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, captureVoided.StatusCode);
        Assert.Equal(0, await fixture.Provider.NetOfAsync(other.Id));
    }

    [Fact]
    public async Task Only_token_brand_last4_and_expiry_are_stored()
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller, TestCards.Visa);
        var list = await fixture.Client.ListPaymentMethodsAsync(new ListPaymentMethodsRequest(), caller.Bearer, cancellationToken: Ct);
        var saved = Assert.Single(list.PaymentMethods);
        Assert.Equal(("visa", "4242", method), (saved.Brand, saved.Last4, saved.Id));
        Assert.Equal(0, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM payment_methods WHERE row_to_json(payment_methods)::text LIKE '%' || @number || '%'", new { number = TestCards.Visa }));
    }

    [Theory]
    [InlineData("4242424242424241", 12, "123", "card_number")] // fails Luhn
    [InlineData("4242424242424242", 13, "123", "exp_month")]
    [InlineData("4242424242424242", 12, "12a", "cvc")]
    public async Task Bad_card_details_name_the_field(string number, int month, string cvc, string field)
    {
        var caller = fixture.NewCaller();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CreatePaymentMethodAsync(
            new CreatePaymentMethodRequest { CardNumber = number, ExpMonth = month, ExpYear = DateTime.UtcNow.Year + 1, Cvc = cvc }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations, v => v.Field == field);
    }

    [Theory]
    [InlineData(0, "EUR", "amount")]
    [InlineData(-5, "EUR", "amount")]
    [InlineData(100, "EURO", "currency")]
    [InlineData(100, "", "currency")]
    public async Task Bad_payment_requests_name_the_field(long amount, string currency, string field)
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CreatePaymentAsync(
            new CreatePaymentRequest { PaymentMethodId = method, Amount = amount, Currency = currency, Capture = true }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations, v => v.Field == field);
    }
}
