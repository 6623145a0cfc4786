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
            // Declines propagate (FAILED_PRECONDITION) and no subscription is made.
            payment = await processor.CreateOffSessionAsync(unit, userId, paymentId, new CreatePaymentCommand(paymentMethodId, plan.Amount, plan.Currency, true, $"{plan.Name} subscription"), cancellationToken);
            subscription.Status = SubscriptionStates.Active;
            subscription.CurrentPeriodEnd = BillingSchedule.PeriodEnd(now, plan.Interval);
        }
        await unit.InsertSubscriptionAsync(subscription);
        if (payment is not null) await unit.RecordSubscriptionChargeAsync(subscription.Id, subscription.CurrentPeriodStart, 1, payment.Id, "initial");
        return subscription;
    }

    /// <summary>
    /// Cancels at period end, or now: then the unused part of a paid period is refunded to the period's payments
    /// (<see cref="Proration"/>; refund ids derive from <paramref name="reference"/>, so a keyed retry refunds once).
    /// </summary>
    public async Task<SubscriptionRecord> CancelAsync(PaymentUnit unit, Guid userId, Guid id, bool immediately, Guid reference, CancellationToken cancellationToken)
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
                var credit = Proration.Part(plan.Amount, subscription.CurrentPeriodStart, subscription.CurrentPeriodEnd, now);
                await RefundCreditAsync(unit, subscription, subscription.CurrentPeriodStart, credit, reference, "subscription canceled: unused period", cancellationToken);
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
    /// The consumer's work for one charge task, in its inbox transaction: charge the due period (payment id = task id),
    /// then renew, or count a failed try, schedule the next one and notify the user, or end the subscription when
    /// dunning is exhausted. A task that no longer matches the subscription (handled meanwhile) is skipped.
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
            // Declined (or left processing / waiting for a second step nobody is there to give: counted as a failed try;
            // the payment itself settles on its own).
            subscription.FailedAttempts++;
            var next = BillingSchedule.NextAttempt(subscription.CurrentPeriodEnd, subscription.FailedAttempts);
            if (next is null) await EndAsync(unit, subscription, "renewal payments failed");
            else { subscription.Status = SubscriptionStates.PastDue; subscription.NextAttemptTime = next; }
            await unit.PublishAsync(FailureNotice(subscription, plan, payment, next));
        }
        await unit.UpdateSubscriptionAsync(subscription);
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
        var info = new ErrorInfo { Type = reason, Domain = PaymentErrors.Domain };
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
