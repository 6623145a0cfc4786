using Dapper;
using Npgsql;

namespace Mesh.Payment.Tests.Support;

/// <summary>Reads of the payment database the tests check invariants with (read-only, independent of the store).</summary>
public static class LedgerQueries
{
    public sealed record PaymentRow(Guid Id, string Status, long Amount, long AmountCaptured, long AmountRefunded, long Refunds, long Clearing, long Customer, long LedgerTransactions);

    public static async Task<long> UnbalancedTransactionsAsync(NpgsqlDataSource db)
    {
        await using var c = await db.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING sum(amount) <> 0) t");
    }

    public static async Task<long> TotalAsync(NpgsqlDataSource db)
    {
        await using var c = await db.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>("SELECT coalesce(sum(amount), 0)::bigint FROM ledger_entries");
    }

    /// <summary>Debits minus credits per currency (every one must be zero): one row per currency that has entries.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> TotalsByCurrencyAsync(NpgsqlDataSource db)
    {
        await using var c = await db.OpenConnectionAsync();
        var rows = await c.QueryAsync<(string Currency, long Total)>("""
            SELECT t.currency, sum(e.amount)::bigint FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id GROUP BY t.currency
            """);
        return rows.ToDictionary(r => r.Currency, r => r.Total);
    }

    public static async Task<IReadOnlyList<PaymentRow>> PaymentsAsync(NpgsqlDataSource db, IEnumerable<Guid> ids)
    {
        await using var c = await db.OpenConnectionAsync();
        return (await c.QueryAsync<PaymentRow>("""
            SELECT p.id, p.status, p.amount, p.amount_captured AS AmountCaptured, p.amount_refunded AS AmountRefunded,
                   coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.payment_id = p.id), 0)::bigint AS Refunds,
                   coalesce((SELECT sum(e.amount) FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
                             WHERE t.payment_id = p.id AND e.account = 'provider_clearing'), 0)::bigint AS Clearing,
                   coalesce((SELECT sum(e.amount) FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
                             WHERE t.payment_id = p.id AND e.account = 'customer_payments'), 0)::bigint AS Customer,
                   (SELECT count(*) FROM ledger_transactions t WHERE t.payment_id = p.id) AS LedgerTransactions
            FROM payments p WHERE p.id = ANY(@ids)
            """, new { ids = ids.ToArray() })).AsList();
    }

    public static async Task<long> CountAsync(NpgsqlDataSource db, string sql, object? args = null)
    {
        await using var c = await db.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>(sql, args);
    }
}
