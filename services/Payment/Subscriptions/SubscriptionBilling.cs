using System.Globalization;
using System.Security.Cryptography;
using Google.Rpc;
using Mesh.Payment.Charges;
using Mesh.Payment.Notifications;
using Mesh.ServiceDefaults.Messaging;
using RpcStatus = Google.Rpc.Status;

namespace Mesh.Payment.Subscriptions;

/// <summary>
/// Subscribing, changing plan, canceling and renewing. Every charge is an ordinary payment (PaymentProcessor: provider,
/// ledger, events); every credit an ordinary refund of the period's payments. Renewals and dunning retries go through
/// RabbitMQ: <see cref="EnqueueDueAsync"/> writes a charge task row and its queue message (outbox) in one transaction —
/// the task's unique (subscription, period, attempt) makes each due charge enqueued once — and
/// <see cref="ChargeAsync"/> (the consumer, inside its inbox transaction) charges it with the task id as payment id and
/// provider reference, so even a redelivered task charges once. A failed charge moves the subscription along the
/// dunning schedule (<see cref="BillingSchedule"/>) and asks for a notification to the user.
/// Time comes from the injected <see cref="TimeProvider"/>: tests move a clock instead of sleeping.
/// </summary>
public sealed class SubscriptionBilling(PaymentStore store, PaymentProcessor processor, PaymentOptions options, TimeProvider time)
{
    public const string RenewedType = "subscription.renewed";
    public const string CanceledType = "subscription.canceled";

    public sealed record SubscriptionRenewed(Guid SubscriptionId, Guid UserId, Guid PaymentId, DateTime PeriodEnd);
    public sealed record SubscriptionCanceled(Guid SubscriptionId, Guid UserId, string Reason);

    private DateTime Now => PaymentProcessor.Microseconds(time.GetUtcNow().UtcDateTime);

    public async Task<SubscriptionRecord> SubscribeAsync(PaymentUnit unit, Guid userId, PlanRecord plan, Guid paymentMethodId, Guid paymentId, CancellationToken cancellationToken)
    {
        var now = Now;
        var subscription = new SubscriptionRecord
        {
            Id = Guid.CreateVersion7(), UserId = userId, PlanId = plan.Id, PaymentMethodId = paymentMethodId,
            CurrentPeriodStart = now, CreateTime = now, UpdateTime = now,
        };
        PaymentRecord? payment = null;
        if (plan.TrialDays > 0)
        {
            if (await unit.FindPaymentMethodAsync(userId, paymentMethodId) is null) throw PaymentErrors.NotFound("payment method");
            subscription.Status = SubscriptionStates.Trialing;
            subscription.CurrentPeriodEnd = now.AddDays(plan.TrialDays);
        }
        else
        {
            // Declines propagate (FAILED_PRECONDITION) and no subscription is made. A charge left PROCESSING (the
            // provider's answer was lost) is not paid yet: the subscription is INCOMPLETE until it settles
            // (SettleAsync: active, or canceled if it turns out declined) — never active on money not known to be taken.
            payment = await processor.CreateOffSessionAsync(unit, userId, paymentId, new CreatePaymentCommand(paymentMethodId, plan.Amount, plan.Currency, true, $"{plan.Name} subscription"), cancellationToken);
            subscription.Status = payment.Status == PaymentStates.Succeeded ? SubscriptionStates.Active : SubscriptionStates.Incomplete;
            subscription.CurrentPeriodEnd = BillingSchedule.PeriodEnd(now, plan.Interval);
        }
        await unit.InsertSubscriptionAsync(subscription);
        if (payment is not null) await unit.RecordSubscriptionChargeAsync(subscription.Id, subscription.CurrentPeriodStart, 1, payment.Id, "initial");
        return subscription;
    }

    /// <summary>
    /// Cancels at period end, or now: then the unused part of a paid period is refunded to the period's payments
    /// (<see cref="Proration"/>). A cancellation may be retried after a try that reached the provider but never
    /// committed (the RPC is IDEMPOTENT, so clients retry it, with or without a key), so both the refund and its
    /// amount are fixed by stable data: refund ids derive from the subscription and the payment (a subscription is
    /// canceled once), and the unused part is measured at <paramref name="requestTime"/> — when the customer first
    /// asked (<see cref="PaymentStore.RegisterCancelRequestAsync"/>), not when this try runs. The provider then
    /// dedupes a retried refund instead of refunding twice or for another amount.
    /// </summary>
    public async Task<SubscriptionRecord> CancelAsync(PaymentUnit unit, Guid userId, Guid id, bool immediately, DateTime? requestTime, CancellationToken cancellationToken)
    {
        var subscription = await unit.LockSubscriptionAsync(userId, id) ?? throw PaymentErrors.NotFound("subscription");
        if (subscription.Status == SubscriptionStates.Canceled) return subscription;
        var now = Now;
        subscription.UpdateTime = now;
        if (immediately || subscription.Status == SubscriptionStates.PastDue)
        {
            if (subscription.Status == SubscriptionStates.Active)
            {
                var plan = await PlanOfAsync(unit, subscription);
                // A request time from before this period (a first try that failed, then a renewal) no longer applies.
                var at = requestTime is { } asked && asked >= subscription.CurrentPeriodStart && asked <= now ? asked : now;
                var credit = Proration.Part(plan.Amount, subscription.CurrentPeriodStart, subscription.CurrentPeriodEnd, at);
                await RefundCreditAsync(unit, subscription, subscription.CurrentPeriodStart, credit, subscription.Id, "subscription canceled: unused period", cancellationToken);
            }
            await EndAsync(unit, subscription, "canceled by the customer");
        }
        else subscription.CancelAtPeriodEnd = true;
        await unit.UpdateSubscriptionAsync(subscription);
        return subscription;
    }

    /// <summary>
    /// Moves the subscription to <paramref name="plan"/> with proration (see the proto's ChangeSubscriptionPlan). The
    /// charge, if any, is payment <paramref name="reference"/>; a decline throws before anything else changes.
    /// </summary>
    public async Task<SubscriptionRecord> ChangePlanAsync(PaymentUnit unit, Guid userId, Guid id, PlanRecord plan, Guid reference, CancellationToken cancellationToken)
    {
        var subscription = await unit.LockSubscriptionAsync(userId, id) ?? throw PaymentErrors.NotFound("subscription");
        if (subscription.PlanId == plan.Id) return subscription;
        if (subscription.Status is not (SubscriptionStates.Active or SubscriptionStates.Trialing))
            throw Refusal("SUBSCRIPTION_STATE", $"A subscription that is {subscription.Status} cannot change plan.", subscription.Id);
        var current = await PlanOfAsync(unit, subscription);
        if (current.Currency != plan.Currency)
            new FieldViolations().Add("plan_id", $"must be a plan billed in {current.Currency}, like the current one").ThrowIfAny();

        var now = Now;
        subscription.UpdateTime = now;
        if (subscription.Status == SubscriptionStates.Active)
        {
            var (start, end) = (subscription.CurrentPeriodStart, subscription.CurrentPeriodEnd);
            var credit = Proration.Part(current.Amount, start, end, now);
            if (current.Interval == plan.Interval)
            {
                // The period stays; only the difference moves.
                var net = Proration.Part(plan.Amount, start, end, now) - credit;
                if (net > 0) await ChargeNowAsync(unit, subscription, reference, net, $"{plan.Name}: plan change (prorated)", start, "proration", cancellationToken);
                else if (net < 0) await RefundCreditAsync(unit, subscription, start, -net, reference, $"{plan.Name}: plan change (prorated credit)", cancellationToken);
            }
            else
            {
                // Another interval: a new period starts now at the new price; the old period's unused part is credited.
                await ChargeNowAsync(unit, subscription, reference, plan.Amount, $"{plan.Name} subscription", now, "initial", cancellationToken);
                await RefundCreditAsync(unit, subscription, start, credit, reference, $"{current.Name}: unused period after plan change", cancellationToken);
                subscription.CurrentPeriodStart = now;
                subscription.CurrentPeriodEnd = BillingSchedule.PeriodEnd(now, plan.Interval);
            }
        }
        subscription.PlanId = plan.Id; // a trial just continues on the new plan
        await unit.UpdateSubscriptionAsync(subscription);
        return subscription;
    }

    /// <summary>
    /// The scheduler (subscriptions; <see cref="InstalmentBilling"/> has its own): for every subscription due at the clock's now, a charge task and its queue message in one
    /// transaction (or, when it was to end at period end, the end — no money moves). Tasks whose message seems lost
    /// (still enqueued after <see cref="PaymentOptions.ChargeTaskRedeliverAfter"/>) are enqueued again; the consumer
    /// handles a task once however often it arrives. Returns how many tasks were enqueued.
    /// </summary>
    public async Task<int> EnqueueDueAsync(CancellationToken cancellationToken)
    {
        var enqueued = 0;
        foreach (var id in await store.DueSubscriptionIdsAsync(Now, 100))
        {
            await using var unit = await store.BeginAsync(cancellationToken);
            var subscription = await unit.LockSubscriptionAsync(null, id);
            if (subscription is null || !IsDue(subscription, Now)) continue; // another worker has it, or it changed meanwhile
            if (subscription.CancelAtPeriodEnd && subscription.Status != SubscriptionStates.PastDue)
            {
                subscription.UpdateTime = Now;
                await EndAsync(unit, subscription, "canceled at period end");
                await unit.UpdateSubscriptionAsync(subscription);
            }
            else
            {
                var task = new ChargeTaskRecord
                {
                    Id = Guid.CreateVersion7(), SubscriptionId = subscription.Id, PeriodStart = subscription.CurrentPeriodEnd,
                    Attempt = subscription.FailedAttempts + 1, CreateTime = Now, EnqueueTime = Now,
                };
                if (await unit.InsertChargeTaskAsync(task))
                {
                    await unit.PublishAsync(Message(task));
                    enqueued++;
                }
            }
            await unit.CommitAsync();
        }
        foreach (var id in await store.StaleChargeTaskIdsAsync(Now - options.ChargeTaskRedeliverAfter, 100))
        {
            await using var unit = await store.BeginAsync(cancellationToken);
            var task = await unit.LockChargeTaskAsync(id, skipLocked: true);
            if (task is null || task.Status != ChargeTaskStates.Enqueued) continue;
            task.EnqueueTime = Now;
            await unit.UpdateChargeTaskAsync(task, Now);
            await unit.PublishAsync(Message(task));
            await unit.CommitAsync();
        }
        return enqueued;
    }

    /// <summary>
    /// Tells users ahead of a renewal (<see cref="PaymentOptions.RenewalNoticeBefore"/>): for each active subscription
    /// not set to cancel whose period ends within that time, one "subscription_renewing" notification request and the
    /// mark that this period was announced, in one transaction. The mark is a conditional update
    /// (<see cref="PaymentUnit.MarkRenewalNoticeAsync"/>), so a period is announced once however many rounds run.
    /// Returns how many notices were written.
    /// </summary>
    public async Task<int> NoticeRenewalsAsync(CancellationToken cancellationToken)
    {
        var noticed = 0;
        var now = Now;
        foreach (var id in await store.RenewalNoticeDueIdsAsync(now, now + options.RenewalNoticeBefore, 100))
        {
            await using var unit = await store.BeginAsync(cancellationToken);
            var subscription = await unit.LockSubscriptionAsync(null, id);
            if (subscription is null || !await unit.MarkRenewalNoticeAsync(id, subscription.CurrentPeriodEnd)) continue; // another worker has it, or it changed
            var plan = await PlanOfAsync(unit, subscription);
            await unit.PublishAsync(RenewalNotice(subscription, plan));
            await unit.CommitAsync();
            noticed++;
        }
        return noticed;
    }

    /// <summary>The "subscription_renewing" notification request for the period ending at the subscription's current_period_end.</summary>
    public static OutboxMessage RenewalNotice(SubscriptionRecord s, PlanRecord plan)
    {
        var amount = FormatAmount(plan.Amount, plan.Currency);
        var data = new Dictionary<string, string>
        {
            ["subscription_id"] = s.Id.ToString(), ["plan"] = plan.Name, ["plan_id"] = plan.Id,
            ["amount"] = plan.Amount.ToString(CultureInfo.InvariantCulture), ["currency"] = plan.Currency, ["amount_display"] = amount,
            ["renews_at"] = s.CurrentPeriodEnd.ToString("O", CultureInfo.InvariantCulture),
        };
        return NotificationRequests.For(s.UserId, "subscription_renewing", $"Your {plan.Name} subscription renews soon",
            $"Your {plan.Name} subscription renews on {s.CurrentPeriodEnd:yyyy-MM-dd} and {amount} will be charged to your saved card. "
            + "Cancel before then if you do not want it to renew.", data);
    }

    /// <summary>
    /// The consumer's work for one charge task, in its inbox transaction: charge the due period (payment id = task id),
    /// then renew, or count a failed try, schedule the next one and notify the user, or end the subscription when
    /// dunning is exhausted (<see cref="ApplyRenewalOutcomeAsync"/>); a charge left PROCESSING makes the subscription
    /// wait for <see cref="SettleAsync"/>. A task that no longer matches the subscription (handled meanwhile) is skipped.
    /// </summary>
    public async Task ChargeAsync(PaymentUnit unit, ChargeTaskRecord task, CancellationToken cancellationToken)
    {
        var subscription = await unit.LockSubscriptionAsync(null, task.SubscriptionId!.Value)
            ?? throw new InvalidOperationException($"Subscription {task.SubscriptionId} is being changed; the charge task is retried.");
        var now = Now;
        if (subscription.Status == SubscriptionStates.Canceled || subscription.CurrentPeriodEnd != task.PeriodStart || subscription.FailedAttempts + 1 != task.Attempt)
        {
            task.Status = ChargeTaskStates.Skipped;
            await unit.UpdateChargeTaskAsync(task, now);
            return;
        }
        task.Status = ChargeTaskStates.Done;
        await unit.UpdateChargeTaskAsync(task, now);
        subscription.UpdateTime = now;
        if (subscription.CancelAtPeriodEnd && subscription.Status != SubscriptionStates.PastDue)
        {
            await EndAsync(unit, subscription, "canceled at period end");
            await unit.UpdateSubscriptionAsync(subscription);
            return;
        }

        var plan = await PlanOfAsync(unit, subscription);
        PaymentRecord? payment;
        try
        {
            payment = await processor.CreateOffSessionAsync(unit, subscription.UserId, task.Id,
                new CreatePaymentCommand(subscription.PaymentMethodId, plan.Amount, plan.Currency, true, $"{plan.Name} renewal"), cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound)
        {
            payment = await unit.LockPaymentAsync(null, task.Id); // a decline was recorded; a missing card made no payment
        }
        if (payment is not null)
            await unit.RecordSubscriptionChargeAsync(subscription.Id, subscription.CurrentPeriodEnd, task.Attempt, payment.Id, "renewal");
        await ApplyRenewalOutcomeAsync(unit, subscription, plan, payment);
        await unit.UpdateSubscriptionAsync(subscription);
    }

    /// <summary>
    /// A payment that was left PROCESSING has settled (PaymentMaintenance, in the unit that recorded its outcome): the
    /// subscription waiting for it gets the outcome the synchronous path would have given
    /// (<see cref="ApplyRenewalOutcomeAsync"/>: renewed, or a failed try → dunning / ended), or, for a first charge,
    /// becomes active (canceled if declined). A subscription that stopped waiting (canceled meanwhile) gets a captured
    /// charge back in full: it pays for nothing. Payments that are not a subscription's charge are ignored.
    /// </summary>
    public async Task SettleAsync(PaymentUnit unit, PaymentRecord payment, CancellationToken cancellationToken)
    {
        if (payment.Status == PaymentStates.Processing) return;
        var link = await unit.FindSubscriptionChargeAsync(payment.Id);
        if (link is null || (link.Kind, link.Attempt) is not (("renewal", _) or ("initial", 1))) return; // plan changes are answered synchronously
        var subscription = await unit.LockSubscriptionAsync(null, link.SubscriptionId, wait: true)
            ?? throw new InvalidOperationException($"Subscription {link.SubscriptionId} of payment {payment.Id} is gone.");
        var plan = await PlanOfAsync(unit, subscription);
        subscription.UpdateTime = Now;
        if (link.Kind == "initial" && subscription.Status == SubscriptionStates.Incomplete)
        {
            if (payment.Status == PaymentStates.Succeeded) subscription.Status = SubscriptionStates.Active;
            else
            {
                subscription.FailedAttempts = 1;
                await EndAsync(unit, subscription, "first payment failed");
                await unit.PublishAsync(FailureNotice(subscription, plan, payment, null));
            }
        }
        else if (link.Kind == "renewal" && subscription.Status != SubscriptionStates.Canceled
                 && subscription.CurrentPeriodEnd == link.PeriodStart && subscription.FailedAttempts + 1 == link.Attempt)
            await ApplyRenewalOutcomeAsync(unit, subscription, plan, payment);
        else
        {
            if (subscription.Status == SubscriptionStates.Canceled && payment.Status == PaymentStates.Succeeded && payment.Refundable > 0)
                await processor.RefundAsync(unit, payment.UserId, payment.Id, DerivedId(payment.Id, payment.Id), 0,
                    "subscription canceled before its payment settled", cancellationToken);
            return;
        }
        await unit.UpdateSubscriptionAsync(subscription);
    }

    /// <summary>
    /// The outcome of a renewal try, however it became known (at once in <see cref="ChargeAsync"/>, or later in
    /// <see cref="SettleAsync"/>): captured → renewed; declined (or no card) → a failed try: the next dunning retry
    /// and a notice, or the end. Still PROCESSING is neither: the task is done and the subscription waits for the
    /// payment to settle — no retry (a retry would be a NEW charge while the first one may be captured), no notice.
    /// </summary>
    private async Task ApplyRenewalOutcomeAsync(PaymentUnit unit, SubscriptionRecord subscription, PlanRecord plan, PaymentRecord? payment)
    {
        if (payment is { Status: PaymentStates.Processing }) return;
        if (payment is { Status: PaymentStates.Succeeded })
        {
            subscription.Status = SubscriptionStates.Active;
            subscription.CurrentPeriodStart = subscription.CurrentPeriodEnd;
            subscription.CurrentPeriodEnd = BillingSchedule.PeriodEnd(subscription.CurrentPeriodStart, plan.Interval);
            subscription.FailedAttempts = 0;
            subscription.NextAttemptTime = null;
            await unit.PublishAsync(OutboxMessage.Json(RenewedType, new SubscriptionRenewed(subscription.Id, subscription.UserId, payment.Id, subscription.CurrentPeriodEnd)));
        }
        else
        {
            // Declined, no card, or a second step nobody is there to give (failed as "authentication_required").
            subscription.FailedAttempts++;
            var next = BillingSchedule.NextAttempt(subscription.CurrentPeriodEnd, subscription.FailedAttempts);
            if (next is null) await EndAsync(unit, subscription, "renewal payments failed");
            else { subscription.Status = SubscriptionStates.PastDue; subscription.NextAttemptTime = next; }
            await unit.PublishAsync(FailureNotice(subscription, plan, payment, next));
        }
    }

    private static bool IsDue(SubscriptionRecord s, DateTime now) =>
        s.Status is SubscriptionStates.Trialing or SubscriptionStates.Active
            ? s.CurrentPeriodEnd <= now
            : s.Status == SubscriptionStates.PastDue && s.NextAttemptTime <= now;

    /// <summary>The queue message of a charge task (subscriptions' and instalments').</summary>
    public static OutboxMessage Message(ChargeTaskRecord task) =>
        OutboxMessage.Json(RecurringChargeRequested.Type, new RecurringChargeRequested(task.Id, task.SubscriptionId, task.InstalmentPlanId, task.PeriodStart, task.Attempt));

    private static OutboxMessage FailureNotice(SubscriptionRecord s, PlanRecord plan, PaymentRecord? payment, DateTime? next)
    {
        var amount = FormatAmount(plan.Amount, plan.Currency);
        var data = new Dictionary<string, string>
        {
            ["subscription_id"] = s.Id.ToString(), ["plan_id"] = plan.Id, ["amount"] = plan.Amount.ToString(CultureInfo.InvariantCulture),
            ["currency"] = plan.Currency, ["attempt"] = s.FailedAttempts.ToString(CultureInfo.InvariantCulture),
            ["failure_code"] = payment?.FailureCode ?? "payment_method_not_found",
        };
        if (payment is not null) data["payment_id"] = payment.Id.ToString();
        if (next is { } retry)
        {
            data["next_attempt_time"] = retry.ToString("O", CultureInfo.InvariantCulture);
            return NotificationRequests.For(s.UserId, "payment_failed", $"Your {plan.Name} payment failed",
                $"We could not charge {amount} for your {plan.Name} subscription. We will try again on {retry:yyyy-MM-dd}; "
                + "please check your payment method.", data);
        }
        return NotificationRequests.For(s.UserId, "subscription_canceled", $"Your {plan.Name} subscription was canceled",
            $"We could not charge {amount} for your {plan.Name} subscription after {s.FailedAttempts} tries, so it was canceled.", data);
    }

    private static string FormatAmount(long minor, string currency) =>
        $"{(minor / 100m).ToString("0.00", CultureInfo.InvariantCulture)} {currency}";

    /// <summary>Charges the saved method now for a subscription; a decline throws (the caller's answer), nothing else changes.</summary>
    private async Task ChargeNowAsync(PaymentUnit unit, SubscriptionRecord subscription, Guid paymentId, long amount, string description, DateTime periodStart,
        string kind, CancellationToken cancellationToken)
    {
        var plan = await PlanOfAsync(unit, subscription);
        var payment = await processor.CreateOffSessionAsync(unit, subscription.UserId, paymentId,
            new CreatePaymentCommand(subscription.PaymentMethodId, amount, plan.Currency, true, description), cancellationToken);
        await unit.RecordSubscriptionChargeAsync(subscription.Id, periodStart, 0, payment.Id, kind);
    }

    /// <summary>Refunds up to <paramref name="credit"/> from the period's payments, newest first; never more than they hold. Returns what was refunded.</summary>
    private async Task<long> RefundCreditAsync(PaymentUnit unit, SubscriptionRecord subscription, DateTime periodStart, long credit, Guid reference, string reason,
        CancellationToken cancellationToken)
    {
        var left = credit;
        foreach (var paymentId in await unit.RefundablePeriodPaymentIdsAsync(subscription.Id, periodStart))
        {
            if (left <= 0) break;
            var payment = await unit.LockPaymentAsync(subscription.UserId, paymentId);
            if (payment is null || payment.Refundable <= 0) continue;
            var amount = Math.Min(left, payment.Refundable);
            await processor.RefundAsync(unit, subscription.UserId, paymentId, DerivedId(reference, paymentId), amount, reason, cancellationToken);
            left -= amount;
        }
        return credit - left;
    }

    /// <summary>A stable id for the refund of <paramref name="paymentId"/> within request <paramref name="reference"/> (the provider dedupes by it).</summary>
    private static Guid DerivedId(Guid reference, Guid paymentId)
    {
        Span<byte> input = stackalloc byte[32];
        reference.TryWriteBytes(input[..16]);
        paymentId.TryWriteBytes(input[16..]);
        var hash = SHA256.HashData(input);
        hash[7] = (byte)((hash[7] & 0x0F) | 0x80); // version 8 (custom), in .NET's little-endian field layout
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash.AsSpan(0, 16));
    }

    private static async Task<PlanRecord> PlanOfAsync(PaymentUnit unit, SubscriptionRecord subscription) =>
        await unit.FindPlanAsync(subscription.PlanId) ?? throw new InvalidOperationException($"Plan {subscription.PlanId} is gone.");

    private static RpcException Refusal(string reason, string message, Guid subscriptionId)
    {
        var info = new ErrorInfo { Reason = reason, Domain = PaymentErrors.Domain };
        info.Metadata["subscription_id"] = subscriptionId.ToString();
        return new RpcStatus { Code = (int)Code.FailedPrecondition, Message = message }.WithDetail(info).ToRpcException();
    }

    private static async Task EndAsync(PaymentUnit unit, SubscriptionRecord subscription, string reason)
    {
        subscription.Status = SubscriptionStates.Canceled;
        subscription.NextAttemptTime = null;
        await unit.PublishAsync(OutboxMessage.Json(CanceledType, new SubscriptionCanceled(subscription.Id, subscription.UserId, reason)));
    }
}
