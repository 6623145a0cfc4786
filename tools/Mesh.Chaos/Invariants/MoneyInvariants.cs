namespace Mesh.Chaos.Invariants;

/// <summary>Money: every charge belongs to a confirmed booking or was refunded as the booking says; the ledger balances per currency.</summary>
public static class MoneyInvariants
{
    private sealed record Booking(Guid Id, string UserId, string Status, long RefundMinor);
    private sealed record Charge(Guid Id, string IdempotencyKey, string Status, long AmountCaptured, long AmountRefunded);

    /// <summary>
    /// Booking charges through payment with the booking id as idempotency key. Each booking has at most one charge; a
    /// confirmed booking's succeeded; a cancelled one's refunded by exactly the booking's refund; a failed one's never
    /// captured or wholly refunded; and no booking charge exists without its booking.
    /// </summary>
    public static async Task<InvariantResult> ChargesAccountedAsync(MeshDatabases db, CancellationToken ct)
    {
        var bookings = (await db.QueryAsync<Booking>("bookingdb", "SELECT id, user_id AS UserId, status, refund_minor AS RefundMinor FROM bookings", ct))
            .ToDictionary(b => b.Id.ToString());
        var charges = await db.QueryAsync<Charge>("paymentdb", """
            SELECT id, idempotency_key AS IdempotencyKey, status, amount_captured AS AmountCaptured, amount_refunded AS AmountRefunded
            FROM payments WHERE idempotency_key = ANY(@keys)
            """, ct, new { keys = bookings.Keys.ToArray() });
        var problems = new List<string>();
        foreach (var group in charges.GroupBy(c => c.IdempotencyKey))
        {
            var booking = bookings[group.Key];
            var list = group.ToList();
            if (list.Count > 1) { problems.Add($"booking {booking.Id} charged {list.Count} times"); continue; }
            var c = list[0];
            var ok = booking.Status switch
            {
                "CONFIRMED" => c.Status == "succeeded",
                "CANCELLED" => c.Status == "succeeded" && c.AmountRefunded == booking.RefundMinor,
                "FAILED" => c.Status != "succeeded" || c.AmountRefunded == c.AmountCaptured,
                _ => false,
            };
            if (!ok) problems.Add($"booking {booking.Id} {booking.Status} (refund {booking.RefundMinor}): charge {c.Id} {c.Status}, captured {c.AmountCaptured}, refunded {c.AmountRefunded}");
        }
        var confirmedWithoutCharge = bookings.Values.Count(b => b.Status is "CONFIRMED" && !charges.Any(c => c.IdempotencyKey == b.Id.ToString()));
        if (confirmedWithoutCharge > 0) problems.Add($"{confirmedWithoutCharge} confirmed bookings without a charge");
        return new("every charge belongs to a confirmed booking or was refunded", problems.Count == 0,
            $"{charges.Count} booking charges for {bookings.Count} bookings; {problems.Count} problems" + string.Concat(problems.Take(5).Select(p => "; " + p)));
    }

    public static async Task<InvariantResult> LedgerBalancesAsync(MeshDatabases db, CancellationToken ct)
    {
        var totals = await db.QueryAsync<(string Currency, long Debits, long Credits)>("paymentdb", """
            SELECT t.currency, coalesce(sum(e.amount) FILTER (WHERE e.amount > 0), 0)::bigint, coalesce(-sum(e.amount) FILTER (WHERE e.amount < 0), 0)::bigint
            FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id GROUP BY t.currency ORDER BY t.currency
            """, ct);
        var unbalanced = await db.ScalarAsync<long>("paymentdb",
            "SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING sum(amount) <> 0) t", ct);
        var holds = unbalanced == 0 && totals.All(t => t.Debits == t.Credits);
        return new("the ledger balances (debits = credits, per currency)", holds,
            string.Join(", ", totals.Select(t => $"{t.Currency} {t.Debits} = {t.Credits}")) + $"; {unbalanced} unbalanced transactions");
    }
}
