using Mesh.Payment.Charges;
using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Payment.Subscriptions;

/// <summary>
/// Subscribing, canceling and renewing. Every charge is an ordinary payment (PaymentProcessor: provider, ledger,
/// events); the subscription row is locked while it is charged, so two workers never bill one period twice.
/// Time comes from the injected <see cref="TimeProvider"/>: tests move a clock instead of sleeping.
/// </summary>
public sealed class SubscriptionBilling(PaymentStore store, PaymentProcessor processor, TimeProvider time)
{
    public const string RenewedType = "subscription.renewed";
    public const string CanceledType = "subscription.canceled";

    public sealed record SubscriptionRenewed(Guid SubscriptionId, Guid UserId, Guid PaymentId, DateTime PeriodEnd);
    public sealed record SubscriptionCanceled(Guid SubscriptionId, Guid UserId, string Reason);

    private DateTime Now => PaymentProcessor.Microseconds(time.GetUtcNow().UtcDateTime);

    public async Task<SubscriptionRecord> SubscribeAsync(PaymentUnit unit, Guid userId, PlanRecord plan, Guid paymentMethodId, CancellationToken cancellationToken)
    {
        var now = Now;
        var subscription = new SubscriptionRecord
        {
            Id = Guid.CreateVersion7(), UserId = userId, PlanId = plan.Id, PaymentMethodId = paymentMethodId,
            CurrentPeriodStart = now, CreateTime = now, UpdateTime = now,
        };
        if (plan.TrialDays > 0)
        {
            if (await unit.FindPaymentMethodAsync(userId, paymentMethodId) is null) throw PaymentErrors.NotFound("payment method");
            subscription.Status = SubscriptionStates.Trialing;
            subscription.CurrentPeriodEnd = now.AddDays(plan.TrialDays);
        }
        else
        {
            // Declines propagate (FAILED_PRECONDITION) and no subscription is made.
            await processor.CreateAsync(unit, userId, Guid.CreateVersion7(), new CreatePaymentCommand(paymentMethodId, plan.Amount, plan.Currency, true, $"{plan.Name} subscription"), cancellationToken);
            subscription.Status = SubscriptionStates.Active;
            subscription.CurrentPeriodEnd = BillingSchedule.PeriodEnd(now, plan.Interval);
        }
        await unit.InsertSubscriptionAsync(subscription);
        return subscription;
    }

    public async Task<SubscriptionRecord> CancelAsync(PaymentUnit unit, Guid userId, Guid id, bool immediately)
    {
        var subscription = await unit.LockSubscriptionAsync(userId, id) ?? throw PaymentErrors.NotFound("subscription");
        if (subscription.Status == SubscriptionStates.Canceled) return subscription;
        subscription.UpdateTime = Now;
        if (immediately || subscription.Status == SubscriptionStates.PastDue) await EndAsync(unit, subscription, "canceled by the customer");
        else subscription.CancelAtPeriodEnd = true;
        await unit.UpdateSubscriptionAsync(subscription);
        return subscription;
    }

    /// <summary>Bills every subscription that is due at the clock's now; returns how many were handled.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var handled = 0;
        foreach (var id in await store.DueSubscriptionIdsAsync(Now, 100))
        {
            await using var unit = await store.BeginAsync(cancellationToken);
            var subscription = await unit.LockSubscriptionAsync(null, id);
            if (subscription is null) continue;
            if (await BillAsync(unit, subscription, cancellationToken)) handled++;
            await unit.CommitAsync();
        }
        return handled;
    }

    private async Task<bool> BillAsync(PaymentUnit unit, SubscriptionRecord subscription, CancellationToken cancellationToken)
    {
        var now = Now;
        var due = subscription.Status is SubscriptionStates.Trialing or SubscriptionStates.Active
            ? subscription.CurrentPeriodEnd <= now
            : subscription.Status == SubscriptionStates.PastDue && subscription.NextAttemptTime <= now;
        if (!due) return false; // someone else billed it meanwhile
        subscription.UpdateTime = now;
        if (subscription.CancelAtPeriodEnd)
        {
            await EndAsync(unit, subscription, "canceled at period end");
            await unit.UpdateSubscriptionAsync(subscription);
            return true;
        }

        var plan = await unit.FindPlanAsync(subscription.PlanId) ?? throw new InvalidOperationException($"Plan {subscription.PlanId} is gone.");
        PaymentRecord payment;
        try
        {
            payment = await processor.CreateAsync(unit, subscription.UserId, Guid.CreateVersion7(),
                new CreatePaymentCommand(subscription.PaymentMethodId, plan.Amount, plan.Currency, true, $"{plan.Name} renewal"), cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound)
        {
            payment = null!;
        }
        if (payment is not null)
            await unit.RecordSubscriptionChargeAsync(subscription.Id, subscription.CurrentPeriodEnd, subscription.FailedAttempts + 1, payment.Id);

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
            // Declined (or left processing: counted as a failed try; the payment itself settles on its own).
            subscription.FailedAttempts++;
            var next = BillingSchedule.NextAttempt(subscription.CurrentPeriodEnd, subscription.FailedAttempts);
            if (next is null) await EndAsync(unit, subscription, "renewal payments failed");
            else { subscription.Status = SubscriptionStates.PastDue; subscription.NextAttemptTime = next; }
        }
        await unit.UpdateSubscriptionAsync(subscription);
        return true;
    }

    private static async Task EndAsync(PaymentUnit unit, SubscriptionRecord subscription, string reason)
    {
        subscription.Status = SubscriptionStates.Canceled;
        subscription.NextAttemptTime = null;
        await unit.PublishAsync(OutboxMessage.Json(CanceledType, new SubscriptionCanceled(subscription.Id, subscription.UserId, reason)));
    }
}
