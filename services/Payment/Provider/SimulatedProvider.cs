using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Mesh.Payment.Provider;

/// <summary>
/// A local provider that behaves like a real one for the test cards (<see cref="TestCards"/>): tokenises, authorizes,
/// captures, voids, refunds, dedupes by reference, and on the timeout card performs the charge but loses the answer.
/// Its records live in memory (like a sandbox account): enough for a run of the service or of the tests.
/// <see cref="Latency"/> adds a delay to every call to make races visible.
/// </summary>
public sealed class SimulatedProvider(TimeProvider time) : IPaymentProvider
{
    private sealed class Charge
    {
        public required string Token { get; init; }
        public required long Amount { get; init; }
        public ChargeState State { get; set; }
        public string DeclineCode { get; init; } = "";
        public long Refunded { get; set; }
        public HashSet<string> RefundReferences { get; } = [];
    }

    private readonly ConcurrentDictionary<string, CardBehavior> _tokens = new();
    private readonly ConcurrentDictionary<string, Charge> _charges = new();
    private int _authorizations;

    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>How many authorizations reached the provider (charges it created); tests count double charges with it.</summary>
    public int Authorizations => Volatile.Read(ref _authorizations);

    /// <summary>How many charges are captured right now, for a token.</summary>
    public int CapturedChargesFor(string token) => _charges.Values.Count(c => c.Token == token && c.State == ChargeState.Captured);

    /// <summary>Makes a saved card behave differently from now on (a card that starts declining: expired, blocked…).</summary>
    public void ChangeBehavior(string token, CardBehavior behavior) => _tokens[token] = behavior;

    public async Task<CardToken> TokenizeAsync(string cardNumber, int expMonth, int expYear, string cvc, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        var digits = CardNumber.Digits(cardNumber);
        if (digits is null || !CardNumber.PassesLuhn(digits)) throw new CardRejectedException("card_number", "is not a valid card number");
        var now = time.GetUtcNow();
        if (expYear < now.Year || (expYear == now.Year && expMonth < now.Month)) throw new CardRejectedException("exp_year", "the card has expired");
        var token = $"pm_sim_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
        _tokens[token] = TestCards.BehaviorOf(digits);
        return new CardToken(token, CardNumber.Brand(digits), digits[^4..], expMonth, expYear);
    }

    public async Task<ChargeResult> AuthorizeAsync(string reference, string token, long amount, string currency, bool capture, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        var behavior = _tokens.TryGetValue(token, out var b) ? b : CardBehavior.Declines;
        var charge = _charges.GetOrAdd(reference, _ =>
        {
            Interlocked.Increment(ref _authorizations);
            return behavior switch
            {
                CardBehavior.Declines => new Charge { Token = token, Amount = amount, State = ChargeState.Declined, DeclineCode = "card_declined" },
                CardBehavior.InsufficientFunds => new Charge { Token = token, Amount = amount, State = ChargeState.Declined, DeclineCode = "insufficient_funds" },
                _ => new Charge { Token = token, Amount = amount, State = capture ? ChargeState.Captured : ChargeState.Authorized },
            };
        });
        if (behavior == CardBehavior.TimesOut) throw new ProviderTimeoutException(reference);
        lock (charge) return new ChargeResult(charge.State, charge.DeclineCode);
    }

    public async Task<ChargeResult> CaptureAsync(string reference, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        var charge = Find(reference);
        lock (charge)
        {
            if (charge.State == ChargeState.Authorized) charge.State = ChargeState.Captured;
            return new ChargeResult(charge.State, charge.DeclineCode);
        }
    }

    public async Task<ChargeResult> VoidAsync(string reference, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        var charge = Find(reference);
        lock (charge)
        {
            if (charge.State == ChargeState.Authorized) charge.State = ChargeState.Voided;
            return new ChargeResult(charge.State, charge.DeclineCode);
        }
    }

    public async Task RefundAsync(string reference, string refundReference, long amount, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        var charge = Find(reference);
        lock (charge)
        {
            if (charge.RefundReferences.Contains(refundReference)) return;
            if (charge.State != ChargeState.Captured || charge.Refunded + amount > charge.Amount)
                throw new InvalidOperationException($"The provider refuses to refund {amount} of charge {reference}.");
            charge.Refunded += amount;
            charge.RefundReferences.Add(refundReference);
        }
    }

    public async Task<ChargeResult> LookupAsync(string reference, CancellationToken cancellationToken)
    {
        await DelayAsync(cancellationToken);
        if (!_charges.TryGetValue(reference, out var charge)) return new ChargeResult(ChargeState.Unknown);
        lock (charge) return new ChargeResult(charge.State, charge.DeclineCode, charge.State == ChargeState.Captured ? charge.Amount - charge.Refunded : 0);
    }

    /// <summary>The provider's captured-minus-refunded total of a charge (for reconciliation in tests).</summary>
    public long NetOf(string reference) => _charges.TryGetValue(reference, out var c) && c.State == ChargeState.Captured ? c.Amount - c.Refunded : 0;

    private Charge Find(string reference) =>
        _charges.TryGetValue(reference, out var charge) ? charge : throw new InvalidOperationException($"The provider has no charge {reference}.");

    private Task DelayAsync(CancellationToken cancellationToken) =>
        Latency > TimeSpan.Zero ? Task.Delay(Latency, cancellationToken) : Task.CompletedTask;
}
