using Mesh.Payment.Provider;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;

namespace Mesh.Payment.Tests;

/// <summary>
/// Random sequences of operations (pay with any test card, authorize only, capture, void, refund any amount, settle
/// timeouts) keep the ledger balanced per transaction and overall, and consistent with every payment's state and
/// with the provider's own records (reconciliation).
/// </summary>
public sealed class LedgerPropertyTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] Cards = [TestCards.Visa, TestCards.Mastercard, TestCards.Declined, TestCards.InsufficientFunds, TestCards.Timeout];

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(2026)]
    public async Task Random_operation_sequences_keep_the_ledger_balanced_and_consistent(int seed)
    {
        var random = new Random(seed);
        var caller = fixture.NewCaller();
        var staff = fixture.NewSupportAgent(); // refunds are staff-only
        var cards = new List<string>();
        foreach (var number in Cards) cards.Add(await fixture.AddCardAsync(caller, number));
        var payments = new List<Guid>();

        for (var step = 0; step < 40; step++)
        {
            try
            {
                switch (random.Next(6))
                {
                    case 0 or 1:
                        var created = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest
                        {
                            PaymentMethodId = cards[random.Next(cards.Count)], Amount = random.Next(1, 5_000), Currency = "EUR", Capture = random.Next(2) == 0,
                        }, random.Next(3) == 0 ? caller.WithKey($"p-{seed}-{random.Next(5)}") : caller.Bearer, cancellationToken: Ct);
                        payments.Add(Guid.Parse(created.Id));
                        break;
                    case 2 when payments.Count > 0:
                        await fixture.Client.CapturePaymentAsync(new CapturePaymentRequest { Id = Pick(random, payments) }, caller.Bearer, cancellationToken: Ct);
                        break;
                    case 3 when payments.Count > 0:
                        await fixture.Client.VoidPaymentAsync(new VoidPaymentRequest { Id = Pick(random, payments) }, caller.Bearer, cancellationToken: Ct);
                        break;
                    case 4 when payments.Count > 0:
                        await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = Pick(random, payments), Amount = random.Next(0, 3_000) }, staff.Bearer, cancellationToken: Ct);
                        break;
                    case 5:
                        await fixture.Maintenance.RunOnceAsync(Ct);
                        break;
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
            {
                // a decline, a wrong state, a refund too large, a reused key: refused, and must leave no trace in the ledger
                if (ex.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Metadata.TryGetValue("payment_id", out var id) == true)
                    payments.Add(Guid.Parse(id));
            }
        }

        Assert.Equal(0, await LedgerQueries.UnbalancedTransactionsAsync(fixture.Database));
        Assert.Equal(0, await LedgerQueries.TotalAsync(fixture.Database));
        foreach (var p in await LedgerQueries.PaymentsAsync(fixture.Database, payments.Distinct()))
        {
            var net = p.AmountCaptured - p.AmountRefunded;
            Assert.Equal(net, p.Clearing);
            Assert.Equal(-net, p.Customer);
            Assert.Equal(p.AmountRefunded, p.Refunds);
            Assert.Equal(net, await fixture.Provider.NetOfAsync(p.Id.ToString()));
            if (p.Status == "succeeded") Assert.Equal(p.Amount, p.AmountCaptured);
            else Assert.Equal((0L, 0L, 0L), (p.AmountCaptured, p.AmountRefunded, p.LedgerTransactions));
        }
        var report = await fixture.Client.GetReconciliationReportAsync(new GetReconciliationReportRequest(), fixture.NewCaller("admin").Bearer, cancellationToken: Ct);
        Assert.Empty(report.Mismatches);
    }

    private static string Pick(Random random, List<Guid> payments) => payments[random.Next(payments.Count)].ToString();
}
