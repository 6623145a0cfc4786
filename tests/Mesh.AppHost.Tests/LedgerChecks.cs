using Grpc.Core;
using Mesh.Payment.V1;

namespace Mesh.AppHost.Tests;

/// <summary>
/// The payment ledger balances: the payment service's reconciliation (admin-only gRPC, no REST route) compares the
/// ledger, the payments and their refunds, and the provider's charges.
/// </summary>
public static class LedgerChecks
{
    public static async Task AssertLedgerBalancesAsync(this AppHostFixture mesh, CancellationToken ct)
    {
        var token = await mesh.AdminTokenAsync(ct);
        var payments = new Payments.PaymentsClient(mesh.Channel("payment"));
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(ct);
        guard.CancelAfter(TimeSpan.FromMinutes(2));
        ReconciliationReport report;
        while (true)
        {
            try
            {
                report = await payments.GetReconciliationReportAsync(new GetReconciliationReportRequest(),
                    new Metadata { { "authorization", $"Bearer {token}" } }, cancellationToken: guard.Token);
                break;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                // Right after a restart of payment, the channel may still be reconnecting through the app host's proxy.
                await Task.Delay(500, guard.Token);
            }
        }
        Assert.True(report.PaymentsChecked > 0, "reconciliation checked no payment");
        Assert.Equal(0, report.UnbalancedTransactions);
        Assert.Equal(0, report.LedgerTotal);
        Assert.True(report.Mismatches.Count == 0, string.Join("; ", report.Mismatches.Select(m => $"{m.PaymentId}: {m.Problem}")));
    }
}
