using System.Diagnostics.Metrics;
using Mesh.Payment.Provider;

namespace Mesh.Payment.Ledger;

/// <summary>What a reconciliation run found.</summary>
public sealed record ReconciliationResult(int PaymentsChecked, int UnbalancedTransactions, long LedgerTotal,
    IReadOnlyList<(Guid PaymentId, string Problem)> Mismatches, DateTimeOffset RunTime);

/// <summary>
/// Compares three records of the same money: the ledger (per payment, provider_clearing = captured − refunded), the
/// payment rows (and their refunds) and the provider's own charges — both ways: each settled payment against its
/// charge, and each provider charge that holds or took money against our payments (a charge made, then a crash before
/// the commit of a request without an idempotency key leaves a charge nobody recorded; charges younger than
/// <see cref="PaymentOptions.ReconciliationGrace"/> are left alone, their request may still be committing). Run by the
/// maintenance worker and on demand (admin RPC); the last result is the metric <c>payment.reconciliation.mismatches</c>
/// (meter "Mesh.Payment").
/// </summary>
public sealed class Reconciliation(PaymentStore store, IPaymentProvider provider, PaymentOptions options, TimeProvider time)
{
    public const string MeterName = "Mesh.Payment";
    private static readonly Meter Meter = new(MeterName);
    private static int _lastMismatches;

    static Reconciliation() =>
        Meter.CreateObservableGauge("payment.reconciliation.mismatches", () => Volatile.Read(ref _lastMismatches),
            description: "Disagreements between ledger, payments and provider found by the last reconciliation run.");

    public ReconciliationResult? Last { get; private set; }

    public async Task<ReconciliationResult> RunAsync(CancellationToken cancellationToken, int limit = 1000)
    {
        var mismatches = new List<(Guid, string)>();
        var rows = await store.ReconciliationRowsAsync(limit);
        foreach (var row in rows)
        {
            var net = row.AmountCaptured - row.AmountRefunded;
            if (row.Clearing != net) mismatches.Add((row.Id, $"ledger net {row.Clearing} != payment net {net}"));
            if (row.Refunds != row.AmountRefunded) mismatches.Add((row.Id, $"refunds {row.Refunds} != amount_refunded {row.AmountRefunded}"));
            if (row.Status is "succeeded" or "failed" or "canceled")
            {
                var charge = await provider.LookupAsync(row.Id.ToString(), cancellationToken);
                if (charge.Net != net) mismatches.Add((row.Id, $"provider net {charge.Net} != payment net {net}"));
            }
        }
        var charges = (await provider.ListChargesAsync(time.GetUtcNow() - options.ReconciliationGrace, limit, cancellationToken))
            .Where(c => c.State is ChargeState.Captured or ChargeState.Authorized).ToList();
        var references = charges.Select(c => Guid.TryParse(c.Reference, out var id) ? id : Guid.Empty).ToList();
        var recorded = await store.ExistingPaymentIdsAsync(references);
        for (var i = 0; i < charges.Count; i++)
            if (!recorded.Contains(references[i]))
                mismatches.Add((references[i], $"provider charge {charges[i].Reference} ({charges[i].State.ToString().ToLowerInvariant()}, {charges[i].Amount}, net {charges[i].Net}) has no payment"));

        var (unbalanced, total) = await store.LedgerTotalsAsync();
        var result = new ReconciliationResult(rows.Count, unbalanced, total, mismatches, time.GetUtcNow());
        Volatile.Write(ref _lastMismatches, mismatches.Count + unbalanced + (total == 0 ? 0 : 1));
        Last = result;
        return result;
    }
}
