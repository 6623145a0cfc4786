using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;

namespace Mesh.Payment.Tests;

/// <summary>The reconciliation report (admin RPC): clean books report nothing; a record that disagrees is named.</summary>
public sealed class ReconciliationTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Clean_books_reconcile_and_a_tampered_refund_is_reported()
    {
        var caller = fixture.NewCaller();
        var admin = fixture.NewCaller("customer", "admin");
        var card = await fixture.AddCardAsync(caller);
        var paid = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = card, Amount = 3_000, Currency = "EUR", Capture = true }, caller.Bearer, cancellationToken: Ct);
        await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = paid.Id, Amount = 1_000 }, admin.Bearer, cancellationToken: Ct);
        await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = card, Amount = 700, Currency = "EUR", Capture = false }, caller.Bearer, cancellationToken: Ct);

        var denied = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.GetReconciliationReportAsync(new GetReconciliationReportRequest(), caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        var clean = await fixture.Client.GetReconciliationReportAsync(new GetReconciliationReportRequest(), admin.Bearer, cancellationToken: Ct);
        Assert.Equal((2, 0, 0L), (clean.PaymentsChecked, clean.UnbalancedTransactions, clean.LedgerTotal));
        Assert.Empty(clean.Mismatches);

        // A refund row that neither the payment nor the ledger nor the provider knows about.
        await LedgerQueries.CountAsync(fixture.Database,
            "INSERT INTO refunds (id, payment_id, amount, currency, create_time) VALUES (gen_random_uuid(), @p, 5, 'EUR', now())", new { p = Guid.Parse(paid.Id) });
        var tampered = await fixture.Client.GetReconciliationReportAsync(new GetReconciliationReportRequest(), admin.Bearer, cancellationToken: Ct);
        var mismatch = Assert.Single(tampered.Mismatches);
        Assert.Equal(paid.Id, mismatch.PaymentId);
        Assert.Contains("refunds", mismatch.Problem);
    }
}
