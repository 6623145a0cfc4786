using CsCheck;
using Mesh.Payment.Provider;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;

namespace Mesh.Payment.Tests;

/// <summary>
/// Ledger postings for every sequence of operations CsCheck generates (pay in EUR or USD with any test card —
/// approved, declined, short of funds, timing out — authorize only or capture, capture, void, refund any amount,
/// replay an idempotency key, settle timeouts) and a last settling round, run against the payment service and its real PostgreSQL: every
/// journal transaction balances, debits equal credits per currency, each payment's ledger matches its state (clearing
/// = captured − refunded, refunds never above the capture, nothing posted for a payment that did not succeed), and the
/// provider's own records reconcile. A failing sequence is shrunk to a short one and printed with its seed.
/// </summary>
public sealed class LedgerPropertyTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string[] Cards = [TestCards.Visa, TestCards.Mastercard, TestCards.Declined, TestCards.InsufficientFunds, TestCards.Timeout];

    private abstract record Op;
    private sealed record Pay(int Card, long Amount, string Currency, bool Capture, int? Key) : Op;
    private sealed record Capture(int Nth) : Op;
    private sealed record Void(int Nth) : Op;
    private sealed record Refund(int Nth, long Amount) : Op;
    private sealed record Settle : Op;

    private static readonly Gen<Op> AnyOp = Gen.Frequency(
        (4, Gen.Select(Gen.Int[0, Cards.Length - 1], Gen.Long[1, 5_000], Gen.OneOf("EUR", "USD"), Gen.Bool, Gen.Int[0, 4].Nullable())
            .Select(Op (card, amount, currency, capture, key) => new Pay(card, amount, currency, capture, key))),
        (2, Gen.Int[0, 40].Select(Op (n) => new Capture(n))),
        (1, Gen.Int[0, 40].Select(Op (n) => new Void(n))),
        (2, Gen.Select(Gen.Int[0, 40], Gen.Long[0, 3_000]).Select(Op (n, amount) => new Refund(n, amount))),
        (1, Gen.Const<Op>(new Settle())));

    [Fact]
    public async Task Every_operation_sequence_keeps_the_ledger_balanced_per_currency_and_consistent_with_payments()
    {
        await AnyOp.Array[10, 40].SampleAsync(RunAsync, iter: 15, threads: 1, print: ops => string.Join(" ; ", ops.Select(o => o.ToString())));
    }

    private async Task RunAsync(Op[] ops)
    {
        // A new customer per sequence: idempotency keys and payments of earlier sequences are not this one's.
        var caller = fixture.NewCaller();
        var staff = fixture.NewSupportAgent(); // refunds are staff-only
        var cards = new List<string>();
        foreach (var number in Cards) cards.Add(await fixture.AddCardAsync(caller, number));
        var payments = new List<Guid>();
        var run = Guid.NewGuid().ToString("N")[..8];

        foreach (var op in ops)
        {
            try
            {
                switch (op)
                {
                    case Pay(var card, var amount, var currency, var capture, var key):
                        var created = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest
                        {
                            PaymentMethodId = cards[card], Amount = amount, Currency = currency, Capture = capture,
                        }, key is { } k ? caller.WithKey($"p-{run}-{k}") : caller.Bearer, cancellationToken: Ct);
                        payments.Add(Guid.Parse(created.Id));
                        break;
                    case Capture(var nth) when payments.Count > 0:
                        await fixture.Client.CapturePaymentAsync(new CapturePaymentRequest { Id = Nth(payments, nth) }, caller.Bearer, cancellationToken: Ct);
                        break;
                    case Void(var nth) when payments.Count > 0:
                        await fixture.Client.VoidPaymentAsync(new VoidPaymentRequest { Id = Nth(payments, nth) }, caller.Bearer, cancellationToken: Ct);
                        break;
                    case Refund(var nth, var amount) when payments.Count > 0:
                        await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = Nth(payments, nth), Amount = amount }, staff.Bearer, cancellationToken: Ct);
                        break;
                    case Settle:
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

        // Let it settle (a timed-out charge stays PROCESSING until the maintenance round reads the provider's record),
        // then every payment must be in a final or waiting state the ledger agrees with.
        await fixture.Maintenance.RunOnceAsync(Ct);
        Assert.Equal(0, await LedgerQueries.UnbalancedTransactionsAsync(fixture.Database));
        Assert.All(await LedgerQueries.TotalsByCurrencyAsync(fixture.Database), total => Assert.True(total.Value == 0, $"{total.Key}: debits − credits = {total.Value}"));
        foreach (var p in await LedgerQueries.PaymentsAsync(fixture.Database, payments.Distinct()))
        {
            var net = p.AmountCaptured - p.AmountRefunded;
            Assert.NotEqual("processing", p.Status);
            Assert.InRange(p.AmountRefunded, 0, p.AmountCaptured);
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

    private static string Nth(List<Guid> payments, int nth) => payments[nth % payments.Count].ToString();
}
