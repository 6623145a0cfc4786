using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace Mesh.Payment.Provider;

/// <summary>
/// A local provider that behaves like a real one for the test cards (<see cref="TestCards"/>): tokenises, authorizes,
/// captures, voids, refunds, dedupes by reference (and, like a real provider, rejects a reference reused for another
/// amount), asks for a second step on the 3-D Secure card, and on the timeout
/// card performs the charge but loses the answer. Its records are its own "sandbox account": the schema
/// <c>sandbox_provider</c> in paymentdb (Migrations/0004), written on the provider's own connections — never in the
/// caller's transaction, so a rollback on our side does not undo a charge, as with a real provider — and they survive
/// restarts, so lookups and reconciliation keep working. <see cref="Latency"/> adds a delay to every call to make races visible.
/// </summary>
public sealed class SimulatedProvider(NpgsqlDataSource db, TimeProvider time) : IPaymentProvider
{
    /// <summary>The code that fails simulated 3-D Secure; any other code passes.</summary>
    public const string FailingAuthenticationCode = "000000";

    private int _authorizations;

    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>How many authorizations reached the provider in this process (charges it created); tests count double charges with it.</summary>
    public int Authorizations => Volatile.Read(ref _authorizations);

    /// <summary>Makes a saved card behave differently from now on (a card that starts declining: expired, blocked…).</summary>
    public async Task ChangeBehaviorAsync(string token, CardBehavior behavior)
    {
        await using var connection = await db.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE sandbox_provider.tokens SET behavior = @behavior WHERE token = @token", new { token, behavior = behavior.ToString() });
    }

    public async Task<CardToken> TokenizeAsync(string cardNumber, int expMonth, int expYear, string cvc, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        var digits = CardNumber.Digits(cardNumber);
        if (digits is null || !CardNumber.PassesLuhn(digits)) throw new CardRejectedException("card_number", "is not a valid card number");
        var now = time.GetUtcNow();
        if (expYear < now.Year || (expYear == now.Year && expMonth < now.Month)) throw new CardRejectedException("exp_year", "the card has expired");
        var token = $"pm_sim_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("INSERT INTO sandbox_provider.tokens (token, behavior) VALUES (@token, @behavior)",
            new { token, behavior = TestCards.BehaviorOf(digits).ToString() });
        return new CardToken(token, CardNumber.Brand(digits), digits[^4..], expMonth, expYear);
    }

    public async Task<ChargeResult> AuthorizeAsync(string reference, string token, long amount, string currency, bool capture, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var stored = await connection.ExecuteScalarAsync<string?>("SELECT behavior FROM sandbox_provider.tokens WHERE token = @token", new { token });
        var behavior = Enum.TryParse<CardBehavior>(stored, out var b) ? b : CardBehavior.Declines;
        var (state, declineCode) = behavior switch
        {
            CardBehavior.Declines => (ChargeState.Declined, "card_declined"),
            CardBehavior.InsufficientFunds => (ChargeState.Declined, "insufficient_funds"),
            CardBehavior.RequiresAction => (ChargeState.RequiresAction, ""),
            _ => (capture ? ChargeState.Captured : ChargeState.Authorized, ""),
        };
        // The reference is the provider's idempotency key: a second authorization with it returns the first one's charge.
        var created = await connection.ExecuteAsync("""
            INSERT INTO sandbox_provider.charges (reference, token, amount, currency, state, decline_code, capture_requested, create_time)
            VALUES (@reference, @token, @amount, @currency, @state, @declineCode, @capture, @now) ON CONFLICT (reference) DO NOTHING
            """, new { reference, token, amount, currency, state = state.ToString(), declineCode, capture, now = time.GetUtcNow().UtcDateTime });
        if (created == 1)
        {
            Interlocked.Increment(ref _authorizations);
            if (behavior == CardBehavior.TimesOut) throw new ProviderTimeoutException(reference);
            // Just written by this call: its result is what was inserted (nothing refunded yet); no second read needed.
            return new ChargeResult(state, declineCode, state == ChargeState.Captured ? amount : 0);
        }
        if (await connection.QuerySingleAsync<(string Token, long Amount, string Currency)>(
                     "SELECT token, amount, currency FROM sandbox_provider.charges WHERE reference = @reference", new { reference }) is var first
                 && (first.Token != token || first.Amount != amount || first.Currency != currency))
            throw new InvalidOperationException($"Charge reference {reference} was used for {first.Amount} {first.Currency}; now {amount} {currency}."); // a caller's bug, surfaced
        if (behavior == CardBehavior.TimesOut) throw new ProviderTimeoutException(reference);
        return await ResultAsync(connection, reference);
    }

    public async Task<ChargeResult> CaptureAsync(string reference, CancellationToken cancellationToken) =>
        await TransitionAsync(reference, "UPDATE sandbox_provider.charges SET state = 'Captured' WHERE reference = @reference AND state = 'Authorized'", new { reference }, cancellationToken);

    public async Task<ChargeResult> VoidAsync(string reference, CancellationToken cancellationToken) =>
        await TransitionAsync(reference, "UPDATE sandbox_provider.charges SET state = 'Voided' WHERE reference = @reference AND state IN ('Authorized', 'RequiresAction')",
            new { reference }, cancellationToken);

    public async Task<ChargeResult> ConfirmAsync(string reference, string authenticationCode, CancellationToken cancellationToken) =>
        await TransitionAsync(reference, """
            UPDATE sandbox_provider.charges
            SET state = CASE WHEN @failed THEN 'Declined' WHEN capture_requested THEN 'Captured' ELSE 'Authorized' END,
                decline_code = CASE WHEN @failed THEN 'authentication_failed' ELSE '' END
            WHERE reference = @reference AND state = 'RequiresAction'
            """, new { reference, failed = authenticationCode == FailingAuthenticationCode }, cancellationToken);

    public async Task RefundAsync(string reference, string refundReference, long amount, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var charge = await connection.QuerySingleOrDefaultAsync<(string State, long Amount, long Refunded)>(
            "SELECT state, amount, refunded FROM sandbox_provider.charges WHERE reference = @reference FOR UPDATE", new { reference }, transaction);
        if (charge.State is null) throw new InvalidOperationException($"The provider has no charge {reference}.");
        var earlier = await connection.QuerySingleOrDefaultAsync<(string ChargeReference, long Amount)>(
            "SELECT charge_reference, amount FROM sandbox_provider.refunds WHERE refund_reference = @refundReference", new { refundReference }, transaction);
        if (earlier.ChargeReference is not null)
        {
            // The same refund again: done already. The same reference for ANOTHER refund is the caller's bug (a retry
            // that recomputed its amount); a real provider rejects it too, so such bugs surface here.
            if (earlier.ChargeReference != reference || earlier.Amount != amount)
                throw new InvalidOperationException(
                    $"Refund reference {refundReference} was used for {earlier.Amount} of charge {earlier.ChargeReference}; now {amount} of charge {reference}.");
            return;
        }
        if (charge.State != nameof(ChargeState.Captured) || charge.Refunded + amount > charge.Amount)
            throw new InvalidOperationException($"The provider refuses to refund {amount} of charge {reference}.");
        await connection.ExecuteAsync("INSERT INTO sandbox_provider.refunds (refund_reference, charge_reference, amount, create_time) VALUES (@refundReference, @reference, @amount, @now)",
            new { refundReference, reference, amount, now = time.GetUtcNow().UtcDateTime }, transaction);
        await connection.ExecuteAsync("UPDATE sandbox_provider.charges SET refunded = refunded + @amount WHERE reference = @reference", new { reference, amount }, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<ChargeResult> LookupAsync(string reference, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await ResultAsync(connection, reference, throwIfMissing: false);
    }

    public async Task<IReadOnlyList<ProviderCharge>> ListChargesAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Reference, string State, long Amount, long Refunded, DateTime CreateTime)>("""
            SELECT reference, state, amount, refunded, create_time FROM sandbox_provider.charges
            WHERE create_time < @createdBefore ORDER BY create_time DESC LIMIT @limit
            """, new { createdBefore = createdBefore.UtcDateTime, limit });
        return rows.Select(r =>
        {
            var state = Enum.Parse<ChargeState>(r.State);
            return new ProviderCharge(r.Reference, state, r.Amount, state == ChargeState.Captured ? r.Amount - r.Refunded : 0,
                new DateTimeOffset(DateTime.SpecifyKind(r.CreateTime, DateTimeKind.Utc)));
        }).ToList();
    }

    /// <summary>The provider's captured-minus-refunded total of a charge (for reconciliation in tests).</summary>
    public async Task<long> NetOfAsync(string reference) => (await LookupAsync(reference, CancellationToken.None)).Net;

    private async Task<ChargeResult> TransitionAsync(string reference, string update, object args, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(update, args);
        return await ResultAsync(connection, reference);
    }

    private static async Task<ChargeResult> ResultAsync(NpgsqlConnection connection, string reference, bool throwIfMissing = true)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(string State, string DeclineCode, long Amount, long Refunded)>(
            "SELECT state, decline_code, amount, refunded FROM sandbox_provider.charges WHERE reference = @reference", new { reference });
        if (row.State is null)
            return throwIfMissing ? throw new InvalidOperationException($"The provider has no charge {reference}.") : new ChargeResult(ChargeState.Unknown);
        var state = Enum.Parse<ChargeState>(row.State);
        return new ChargeResult(state, row.DeclineCode, state == ChargeState.Captured ? row.Amount - row.Refunded : 0);
    }

    private Task DelayAsync(CancellationToken cancellationToken) =>
        Latency > TimeSpan.Zero ? Task.Delay(Latency, cancellationToken) : Task.CompletedTask;
}
