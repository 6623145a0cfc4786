namespace Mesh.Payment.Ledger;

/// <summary>One line of a journal transaction: positive = debit, negative = credit.</summary>
public sealed record LedgerEntry(string Account, long Amount);

/// <summary>A balanced set of entries for one money movement.</summary>
public sealed record JournalTransaction(Guid Id, Guid PaymentId, string Kind, string Currency, IReadOnlyList<LedgerEntry> Entries);

/// <summary>
/// The chart of accounts and the postings of each money movement. Captured money is owed to us by the provider
/// (provider_clearing, debit) and owed back to nobody (customer_payments, credit); a refund reverses part of it.
/// Every transaction sums to zero — checked here and again by the database at commit.
/// </summary>
public static class Journal
{
    public const string ProviderClearing = "provider_clearing";
    public const string CustomerPayments = "customer_payments";

    public static JournalTransaction Capture(Guid paymentId, long amount, string currency) =>
        Balanced(new JournalTransaction(Guid.CreateVersion7(), paymentId, "capture", currency,
            [new(ProviderClearing, amount), new(CustomerPayments, -amount)]));

    public static JournalTransaction Refund(Guid paymentId, long amount, string currency) =>
        Balanced(new JournalTransaction(Guid.CreateVersion7(), paymentId, "refund", currency,
            [new(CustomerPayments, amount), new(ProviderClearing, -amount)]));

    private static JournalTransaction Balanced(JournalTransaction transaction)
    {
        if (transaction.Entries.Any(e => e.Amount == 0) || transaction.Entries.Sum(e => e.Amount) != 0)
            throw new InvalidOperationException($"Journal transaction {transaction.Kind} of {transaction.PaymentId} is not balanced.");
        return transaction;
    }
}
