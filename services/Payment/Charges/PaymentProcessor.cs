using System.Globalization;
using Mesh.Payment.Ledger;
using Mesh.Payment.Notifications;
using Mesh.Payment.Provider;
using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Payment.Charges;

/// <summary>What CreatePayment asks for, validated; <paramref name="IdempotencyKey"/> is stored on the payment and carried by its events.</summary>
public sealed record CreatePaymentCommand(Guid PaymentMethodId, long Amount, string Currency, bool Capture, string Description, string? IdempotencyKey = null);

/// <summary>
/// The payment rules: talks to the provider and records every outcome in the caller's <see cref="PaymentUnit"/> — the
/// state change, its balanced ledger transaction and its outbox event together. The payment id is the provider
/// reference, so the provider dedupes and a lost answer can be looked up (<see cref="ResolveAsync"/>), never re-charged.
/// Declines are recorded (FAILED + PaymentFailed) and then thrown: the caller commits them before answering.
/// </summary>
public sealed class PaymentProcessor(IPaymentProvider provider, PaymentOptions options, TimeProvider time)
{
    // PostgreSQL keeps microseconds: a time is cut to them so an answer and a later read of the same row agree.
    private DateTime Now => Microseconds(time.GetUtcNow().UtcDateTime);

    public static DateTime Microseconds(DateTime value) => value.AddTicks(-(value.Ticks % 10));

    /// <summary>
    /// Creates payment <paramref name="paymentId"/> (also the provider reference: the same id never charges twice).
    /// A payment that needs the cardholder's second step asks, in the same transaction, for a notification telling
    /// them so ("payment_requires_action"): the request may have come through a queue, with nobody watching the answer.
    /// </summary>
    public Task<PaymentRecord> CreateAsync(PaymentUnit unit, Guid userId, Guid paymentId, CreatePaymentCommand command, CancellationToken cancellationToken) =>
        CreateAsync(unit, userId, paymentId, command, cardholderCanAct: true, cancellationToken);

    private async Task<PaymentRecord> CreateAsync(PaymentUnit unit, Guid userId, Guid paymentId, CreatePaymentCommand command, bool cardholderCanAct, CancellationToken cancellationToken)
    {
        var method = await unit.FindPaymentMethodAsync(userId, command.PaymentMethodId) ?? throw PaymentErrors.NotFound("payment method");
        var now = Now;
        var payment = new PaymentRecord
        {
            Id = paymentId, UserId = userId, PaymentMethodId = method.Id, Amount = command.Amount, Currency = command.Currency,
            CaptureRequested = command.Capture, Description = command.Description, CreateTime = now, UpdateTime = now,
            IdempotencyKey = command.IdempotencyKey,
        };
        ChargeResult? result;
        await unit.SendPendingAsync(); // the database checks this unit's writes before the provider acts
        try
        {
            result = await provider.AuthorizeAsync(payment.Id.ToString(), method.ProviderToken, payment.Amount, payment.Currency, command.Capture, cancellationToken);
        }
        catch (ProviderTimeoutException)
        {
            result = null; // the outcome is learnt later by reference (ResolveAsync)
        }
        payment.Status = PaymentStates.Processing;
        if (result is not null) Apply(payment, result);
        await unit.InsertPaymentAsync(payment);
        await RecordOutcomeAsync(unit, payment);
        if (payment.Status == PaymentStates.Failed) throw PaymentErrors.Declined(payment);
        if (payment.Status == PaymentStates.RequiresAction && cardholderCanAct) await unit.PublishAsync(ActionNotice(payment));
        return payment;
    }

    /// <summary>The notification request for a payment waiting for the cardholder's authentication.</summary>
    public static OutboxMessage ActionNotice(PaymentRecord payment)
    {
        var amount = $"{(payment.Amount / 100m).ToString("0.00", CultureInfo.InvariantCulture)} {payment.Currency}";
        var data = new Dictionary<string, string>
        {
            ["payment_id"] = payment.Id.ToString(), ["amount"] = payment.Amount.ToString(CultureInfo.InvariantCulture),
            ["currency"] = payment.Currency, ["amount_display"] = amount,
        };
        var deadline = "";
        if (payment.ActionExpireTime is { } expires)
        {
            data["action_expire_time"] = expires.ToString("O", CultureInfo.InvariantCulture);
            deadline = $" before {expires:yyyy-MM-dd HH:mm} UTC";
        }
        return NotificationRequests.For(payment.UserId, "payment_requires_action", "Confirm your payment",
            $"Your payment of {amount} needs your confirmation (card authentication){deadline}, or it will fail.", data);
    }

    /// <summary>
    /// A charge nobody can confirm a second step for (renewals, instalments, plan changes): a card asking for one fails
    /// it ("authentication_required", <see cref="AbandonActionAsync"/>) and throws like a decline. Succeeded or still
    /// processing (settled later) is returned.
    /// </summary>
    public async Task<PaymentRecord> CreateOffSessionAsync(PaymentUnit unit, Guid userId, Guid paymentId, CreatePaymentCommand command, CancellationToken cancellationToken)
    {
        var payment = await CreateAsync(unit, userId, paymentId, command, cardholderCanAct: false, cancellationToken);
        if (payment.Status != PaymentStates.RequiresAction) return payment;
        await AbandonActionAsync(unit, payment, cancellationToken);
        return payment.Status == PaymentStates.Failed ? throw PaymentErrors.Declined(payment) : payment; // completed at the provider after all
    }

    public async Task<PaymentRecord> CaptureAsync(PaymentUnit unit, Guid? userId, Guid id, CancellationToken cancellationToken)
    {
        var payment = await unit.LockPaymentAsync(userId, id) ?? throw PaymentErrors.NotFound("payment");
        if (payment.Status == PaymentStates.Succeeded) return payment; // captured already: repeating is harmless
        if (payment.Status != PaymentStates.RequiresCapture) throw PaymentErrors.WrongState(payment, "captured");
        await unit.SendPendingAsync(); // the database checks this unit's writes before the provider acts
        var result = await provider.CaptureAsync(payment.Id.ToString(), cancellationToken);
        Apply(payment, result);
        await unit.UpdatePaymentAsync(payment);
        await RecordOutcomeAsync(unit, payment);
        return payment;
    }

    public async Task<PaymentRecord> VoidAsync(PaymentUnit unit, Guid? userId, Guid id, CancellationToken cancellationToken)
    {
        var payment = await unit.LockPaymentAsync(userId, id) ?? throw PaymentErrors.NotFound("payment");
        if (payment.Status == PaymentStates.Canceled) return payment;
        if (payment.Status != PaymentStates.RequiresCapture) throw PaymentErrors.WrongState(payment, "voided");
        await unit.SendPendingAsync(); // the database checks this unit's writes before the provider acts
        var result = await provider.VoidAsync(payment.Id.ToString(), cancellationToken);
        Apply(payment, result);
        await unit.UpdatePaymentAsync(payment);
        return payment;
    }

    /// <summary>
    /// Completes a REQUIRES_ACTION payment with the cardholder's authentication code (simulated 3-D Secure). Past its
    /// deadline it fails instead (AUTHENTICATION_EXPIRED); a wrong code fails it (AUTHENTICATION_FAILED). Confirming a
    /// payment that is already past this step returns it unchanged, so a repeat is harmless.
    /// </summary>
    public async Task<PaymentRecord> ConfirmAsync(PaymentUnit unit, Guid userId, Guid id, string authenticationCode, CancellationToken cancellationToken)
    {
        var payment = await unit.LockPaymentAsync(userId, id) ?? throw PaymentErrors.NotFound("payment");
        if (payment.Status is PaymentStates.Succeeded or PaymentStates.RequiresCapture) return payment;
        if (payment.Status == PaymentStates.Failed && payment.FailureCode.StartsWith("authentication_", StringComparison.Ordinal))
            throw PaymentErrors.Declined(payment); // a repeated confirmation gets the same answer as the first
        if (payment.Status != PaymentStates.RequiresAction) throw PaymentErrors.WrongState(payment, "confirmed");
        if (payment.ActionExpireTime <= Now)
        {
            await FailExpiredAsync(unit, payment, cancellationToken);
            if (payment.Status == PaymentStates.Failed) throw PaymentErrors.Declined(payment);
            return payment; // an earlier confirmation reached the provider though our record of it was lost
        }
        await unit.SendPendingAsync(); // the database checks this unit's writes before the provider acts
        Apply(payment, await provider.ConfirmAsync(payment.Id.ToString(), authenticationCode, cancellationToken));
        await unit.UpdatePaymentAsync(payment);
        await RecordOutcomeAsync(unit, payment);
        if (payment.Status == PaymentStates.Failed) throw PaymentErrors.Declined(payment);
        return payment;
    }

    /// <summary>
    /// Ends a REQUIRES_ACTION payment whose deadline passed (the sweeper): failed, or — when the provider shows it
    /// completed after all — succeeded / requires capture. Returns whether it ended it.
    /// </summary>
    public async Task<bool> ExpireActionAsync(PaymentUnit unit, Guid id, CancellationToken cancellationToken)
    {
        var payment = await unit.LockPaymentAsync(null, id);
        if (payment is null || payment.Status != PaymentStates.RequiresAction || payment.ActionExpireTime > Now) return false;
        await FailExpiredAsync(unit, payment, cancellationToken);
        return true;
    }

    /// <summary>
    /// For charges made without the cardholder present (renewals, plan changes, a subscription's first charge): a card
    /// that asks for a second step cannot be charged this way. The pending charge is released and the payment fails
    /// ("authentication_required"), so it cannot be confirmed later for something that did not happen.
    /// </summary>
    public Task AbandonActionAsync(PaymentUnit unit, PaymentRecord payment, CancellationToken cancellationToken) =>
        FailActionAsync(unit, payment, "authentication_required", cancellationToken);

    private Task FailExpiredAsync(PaymentUnit unit, PaymentRecord payment, CancellationToken cancellationToken) =>
        FailActionAsync(unit, payment, "authentication_expired", cancellationToken);

    /// <summary>
    /// Releases the pending charge at the provider and fails the payment — unless the void's answer shows the charge
    /// went through after all (a confirmation the provider applied but whose answer or commit we lost): then money was
    /// taken or is held, and the payment records that (SUCCEEDED with its ledger posting, or REQUIRES_CAPTURE) instead.
    /// </summary>
    private async Task FailActionAsync(PaymentUnit unit, PaymentRecord payment, string failureCode, CancellationToken cancellationToken)
    {
        await unit.SendPendingAsync(); // the database checks this unit's writes before the provider acts
        var voided = await provider.VoidAsync(payment.Id.ToString(), cancellationToken);
        if (voided.State == ChargeState.Authorized && payment.CaptureRequested)
            voided = await provider.CaptureAsync(payment.Id.ToString(), cancellationToken); // as asked, like ResolveAsync
        if (voided.State is ChargeState.Captured or ChargeState.Authorized)
        {
            Apply(payment, voided);
            await unit.UpdatePaymentAsync(payment);
            await RecordOutcomeAsync(unit, payment);
            return;
        }
        payment.Status = PaymentStates.Failed;
        payment.FailureCode = failureCode;
        payment.UpdateTime = Now;
        await unit.UpdatePaymentAsync(payment);
        await RecordOutcomeAsync(unit, payment);
    }

    /// <summary>
    /// Refunds <paramref name="amount"/> (0: all that is left) of payment <paramref name="id"/> of
    /// <paramref name="userId"/> (null: any user's — staff). The payment row lock serialises concurrent refunds.
    /// </summary>
    public async Task<RefundRecord> RefundAsync(PaymentUnit unit, Guid? userId, Guid id, Guid refundId, long amount, string reason, CancellationToken cancellationToken)
    {
        var payment = await unit.LockPaymentAsync(userId, id) ?? throw PaymentErrors.NotFound("payment");
        if (payment.Status != PaymentStates.Succeeded) throw PaymentErrors.WrongState(payment, "refunded");
        var refundAmount = amount == 0 ? payment.Refundable : amount;
        if (refundAmount <= 0 || refundAmount > payment.Refundable) throw PaymentErrors.RefundTooLarge(payment, refundAmount);

        var refund = new RefundRecord { Id = refundId, PaymentId = payment.Id, Amount = refundAmount, Currency = payment.Currency, Reason = reason, CreateTime = Now };
        await unit.SendPendingAsync(); // the database checks this unit's writes before the provider acts
        await provider.RefundAsync(payment.Id.ToString(), refund.Id.ToString(), refundAmount, cancellationToken);
        payment.AmountRefunded += refundAmount;
        payment.UpdateTime = refund.CreateTime;
        await unit.InsertRefundAsync(refund);
        await unit.UpdatePaymentAsync(payment); // the CHECK (amount_refunded <= amount_captured) backs the test above
        await unit.PostAsync(Journal.Refund(payment.Id, refundAmount, payment.Currency), refund.CreateTime);
        await unit.PublishAsync(PaymentEvents.For(refund, payment.UserId));
        return refund;
    }

    /// <summary>Settles a PROCESSING payment from the provider's record. Returns the payment (unchanged if not processing).</summary>
    public async Task<PaymentRecord?> ResolveAsync(PaymentUnit unit, Guid id, CancellationToken cancellationToken)
    {
        var payment = await unit.LockPaymentAsync(null, id);
        if (payment is null || payment.Status != PaymentStates.Processing) return payment;
        await unit.SendPendingAsync(); // the database checks this unit's writes before the provider acts
        var result = await provider.LookupAsync(payment.Id.ToString(), cancellationToken);
        if (result.State == ChargeState.Authorized && payment.CaptureRequested)
            result = await provider.CaptureAsync(payment.Id.ToString(), cancellationToken);
        if (result.State == ChargeState.Unknown) result = new ChargeResult(ChargeState.Declined, "provider_unavailable"); // never reached the provider: nothing was charged
        Apply(payment, result);
        await unit.UpdatePaymentAsync(payment);
        await RecordOutcomeAsync(unit, payment);
        return payment;
    }

    private void Apply(PaymentRecord payment, ChargeResult result)
    {
        payment.UpdateTime = Now;
        switch (result.State)
        {
            case ChargeState.Captured:
                payment.Status = PaymentStates.Succeeded;
                payment.AmountCaptured = payment.Amount;
                break;
            case ChargeState.Authorized:
                payment.Status = PaymentStates.RequiresCapture;
                break;
            case ChargeState.RequiresAction:
                payment.Status = PaymentStates.RequiresAction;
                payment.ActionExpireTime ??= payment.UpdateTime + options.ActionTimeout;
                break;
            case ChargeState.Voided:
                payment.Status = PaymentStates.Canceled;
                break;
            case ChargeState.Declined:
                payment.Status = PaymentStates.Failed;
                payment.FailureCode = result.DeclineCode.Length > 0 ? result.DeclineCode : "card_declined";
                break;
            default:
                payment.Status = PaymentStates.Processing;
                break;
        }
    }

    /// <summary>Money moved (capture) → ledger + PaymentSucceeded; declined → PaymentFailed; anything else: nothing yet.</summary>
    private async Task RecordOutcomeAsync(PaymentUnit unit, PaymentRecord payment)
    {
        if (payment.Status == PaymentStates.Succeeded)
        {
            await unit.PostAsync(Journal.Capture(payment.Id, payment.AmountCaptured, payment.Currency), payment.UpdateTime);
            await unit.PublishAsync(PaymentEvents.For(payment));
        }
        else if (payment.Status == PaymentStates.Failed)
        {
            await unit.PublishAsync(PaymentEvents.For(payment));
        }
    }
}
