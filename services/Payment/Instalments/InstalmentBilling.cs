using System.Globalization;
using Mesh.Payment.Charges;
using Mesh.Payment.Notifications;
using Mesh.Payment.Subscriptions;
using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Payment.Instalments;

/// <summary>
/// Instalment plans: a total charged on a saved method in equal parts, the first now, the rest every interval. Due
/// instalments go through the same charge-task queue as subscription renewals: <see cref="EnqueueDueAsync"/> writes the
/// task and its message in one transaction (once per instalment try), <see cref="ChargeAsync"/> charges it inside the
/// consumer's inbox transaction with the task id as payment id. A failed instalment is retried on the dunning schedule
/// (<see cref="BillingSchedule"/>, counted from its due time), the user is notified, and the plan DEFAULTS when all
/// tries fail. Time comes from the injected clock.
/// </summary>
public sealed class InstalmentBilling(PaymentStore store, PaymentProcessor processor, TimeProvider time)
{
    public const string CompletedType = "instalment_plan.completed";
    public const string DefaultedType = "instalment_plan.defaulted";

    public sealed record InstalmentPlanEnded(Guid InstalmentPlanId, Guid UserId, int InstalmentsPaid, int Instalments);

    /// <summary>What CreateInstalmentPlan asks for, validated.</summary>
    public sealed record CreateCommand(Guid PaymentMethodId, long TotalAmount, string Currency, int Instalments, string Interval, string Description);

    private DateTime Now => PaymentProcessor.Microseconds(time.GetUtcNow().UtcDateTime);

    /// <summary>
    /// Creates the plan and charges its first instalment (payment <paramref name="paymentId"/>); a decline throws and
    /// makes no plan. A first charge left PROCESSING makes an INCOMPLETE plan (nothing paid, nothing scheduled) that
    /// <see cref="SettleAsync"/> activates — or defaults, if the charge turns out declined — once the payment settles.
    /// </summary>
    public async Task<InstalmentPlanRecord> CreateAsync(PaymentUnit unit, Guid userId, CreateCommand command, Guid paymentId, CancellationToken cancellationToken)
    {
        var now = Now;
        var plan = new InstalmentPlanRecord
        {
            Id = Guid.CreateVersion7(), UserId = userId, PaymentMethodId = command.PaymentMethodId, TotalAmount = command.TotalAmount, Currency = command.Currency,
            Instalments = command.Instalments, Interval = command.Interval, Description = command.Description, InstalmentsPaid = 1,
            CreateTime = now, UpdateTime = now,
        };
        var payment = await processor.CreateOffSessionAsync(unit, userId, paymentId,
            new CreatePaymentCommand(command.PaymentMethodId, plan.AmountOf(1), command.Currency, true, Describe(plan, 1)), cancellationToken);
        plan.DueTime = BillingSchedule.PeriodEnd(now, plan.Interval);
        if (payment.Status == PaymentStates.Succeeded) plan.NextChargeTime = plan.DueTime;
        else { plan.Status = InstalmentPlanStates.Incomplete; plan.InstalmentsPaid = 0; }
        await unit.InsertInstalmentPlanAsync(plan);
        await unit.RecordInstalmentChargeAsync(plan.Id, 1, 1, payment.Id);
        return plan;
    }

    /// <summary>The scheduler: a charge task and its queue message for every instalment (or retry) due now. Returns how many.</summary>
    public async Task<int> EnqueueDueAsync(CancellationToken cancellationToken)
    {
        var enqueued = 0;
        foreach (var id in await store.DueInstalmentPlanIdsAsync(Now, 100))
        {
            await using var unit = await store.BeginAsync(cancellationToken);
            var plan = await unit.LockInstalmentPlanAsync(id);
            if (plan is null || plan.Status is not (InstalmentPlanStates.Active or InstalmentPlanStates.PastDue) || plan.NextChargeTime > Now) continue;
            var task = new ChargeTaskRecord
            {
                Id = Guid.CreateVersion7(), InstalmentPlanId = plan.Id, PeriodStart = plan.DueTime, Attempt = plan.FailedAttempts + 1, CreateTime = Now, EnqueueTime = Now,
            };
            if (await unit.InsertChargeTaskAsync(task))
            {
                await unit.PublishAsync(SubscriptionBilling.Message(task));
                enqueued++;
            }
            await unit.CommitAsync();
        }
        return enqueued;
    }

    /// <summary>The consumer's work for one instalment task (locked by the caller), inside its inbox transaction.</summary>
    public async Task ChargeAsync(PaymentUnit unit, ChargeTaskRecord task, CancellationToken cancellationToken)
    {
        var plan = await unit.LockInstalmentPlanAsync(task.InstalmentPlanId!.Value)
            ?? throw new InvalidOperationException($"Instalment plan {task.InstalmentPlanId} is busy; the charge task is retried.");
        var now = Now;
        if (plan.Status is not (InstalmentPlanStates.Active or InstalmentPlanStates.PastDue) || plan.DueTime != task.PeriodStart || plan.FailedAttempts + 1 != task.Attempt)
        {
            task.Status = ChargeTaskStates.Skipped; // handled meanwhile
            await unit.UpdateChargeTaskAsync(task, now);
            return;
        }
        task.Status = ChargeTaskStates.Done;
        await unit.UpdateChargeTaskAsync(task, now);

        var number = plan.InstalmentsPaid + 1;
        PaymentRecord? payment;
        try
        {
            payment = await processor.CreateOffSessionAsync(unit, plan.UserId, task.Id,
                new CreatePaymentCommand(plan.PaymentMethodId, plan.AmountOf(number), plan.Currency, true, Describe(plan, number)), cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound)
        {
            payment = await unit.LockPaymentAsync(null, task.Id); // a decline was recorded; a missing card made no payment
        }
        if (payment is not null) await unit.RecordInstalmentChargeAsync(plan.Id, number, task.Attempt, payment.Id);
        plan.UpdateTime = now;
        await ApplyOutcomeAsync(unit, plan, number, payment);
        await unit.UpdateInstalmentPlanAsync(plan);
    }

    /// <summary>
    /// A payment that was left PROCESSING has settled (PaymentMaintenance, in the unit that recorded its outcome): the
    /// plan waiting for it gets what the synchronous path would have given (<see cref="ApplyOutcomeAsync"/>), or, for
    /// the first instalment, becomes active (defaulted if declined). Payments that are no instalment are ignored.
    /// </summary>
    public async Task SettleAsync(PaymentUnit unit, PaymentRecord payment)
    {
        if (payment.Status == PaymentStates.Processing) return;
        var link = await unit.FindInstalmentChargeAsync(payment.Id);
        if (link is null) return;
        var plan = await unit.LockInstalmentPlanAsync(link.InstalmentPlanId, wait: true)
            ?? throw new InvalidOperationException($"Instalment plan {link.InstalmentPlanId} of payment {payment.Id} is gone.");
        plan.UpdateTime = Now;
        if (link.Instalment == 1 && plan.Status == InstalmentPlanStates.Incomplete)
        {
            if (payment.Status == PaymentStates.Succeeded)
            {
                plan.Status = InstalmentPlanStates.Active;
                plan.InstalmentsPaid = 1;
                plan.NextChargeTime = plan.DueTime;
            }
            else
            {
                plan.Status = InstalmentPlanStates.Defaulted;
                plan.FailedAttempts = 1;
                await unit.PublishAsync(OutboxMessage.Json(DefaultedType, new InstalmentPlanEnded(plan.Id, plan.UserId, plan.InstalmentsPaid, plan.Instalments)));
                await unit.PublishAsync(FailureNotice(plan, 1, payment, null));
            }
        }
        else if (plan.Status is InstalmentPlanStates.Active or InstalmentPlanStates.PastDue
                 && plan.InstalmentsPaid + 1 == link.Instalment && plan.FailedAttempts + 1 == link.Attempt)
            await ApplyOutcomeAsync(unit, plan, link.Instalment, payment);
        else return; // the plan does not wait for this payment (cannot happen while a try is PROCESSING: nothing else moves a plan)
        await unit.UpdateInstalmentPlanAsync(plan);
    }

    /// <summary>
    /// The outcome of instalment <paramref name="number"/>'s try, however it became known: captured → paid (next one
    /// scheduled, or completed); declined (or no card) → a failed try: retry on the dunning schedule and a notice, or
    /// defaulted. Still PROCESSING is neither: the plan waits for the payment to settle — no retry (that would be a
    /// NEW charge while this one may be captured), no notice.
    /// </summary>
    private async Task ApplyOutcomeAsync(PaymentUnit unit, InstalmentPlanRecord plan, int number, PaymentRecord? payment)
    {
        if (payment is { Status: PaymentStates.Processing }) return;
        if (payment is { Status: PaymentStates.Succeeded })
        {
            plan.InstalmentsPaid = number;
            plan.FailedAttempts = 0;
            if (number == plan.Instalments)
            {
                plan.Status = InstalmentPlanStates.Completed;
                plan.NextChargeTime = null;
                await unit.PublishAsync(OutboxMessage.Json(CompletedType, new InstalmentPlanEnded(plan.Id, plan.UserId, plan.InstalmentsPaid, plan.Instalments)));
            }
            else
            {
                plan.Status = InstalmentPlanStates.Active;
                plan.DueTime = BillingSchedule.PeriodEnd(plan.DueTime, plan.Interval);
                plan.NextChargeTime = plan.DueTime;
            }
        }
        else
        {
            plan.FailedAttempts++;
            var next = BillingSchedule.NextAttempt(plan.DueTime, plan.FailedAttempts);
            plan.Status = next is null ? InstalmentPlanStates.Defaulted : InstalmentPlanStates.PastDue;
            plan.NextChargeTime = next;
            if (next is null) await unit.PublishAsync(OutboxMessage.Json(DefaultedType, new InstalmentPlanEnded(plan.Id, plan.UserId, plan.InstalmentsPaid, plan.Instalments)));
            await unit.PublishAsync(FailureNotice(plan, number, payment, next));
        }
    }

    private static string Describe(InstalmentPlanRecord plan, int number)
    {
        var text = $"{(plan.Description.Length > 0 ? plan.Description : "Instalment")} ({number}/{plan.Instalments})";
        return text.Length > PaymentRequests.MaxText ? text[..PaymentRequests.MaxText] : text;
    }

    private static OutboxMessage FailureNotice(InstalmentPlanRecord plan, int number, PaymentRecord? payment, DateTime? next)
    {
        var amount = plan.AmountOf(number);
        var shown = $"{(amount / 100m).ToString("0.00", CultureInfo.InvariantCulture)} {plan.Currency}";
        var data = new Dictionary<string, string>
        {
            ["instalment_plan_id"] = plan.Id.ToString(), ["instalment"] = number.ToString(CultureInfo.InvariantCulture),
            ["amount"] = amount.ToString(CultureInfo.InvariantCulture), ["currency"] = plan.Currency,
            ["attempt"] = plan.FailedAttempts.ToString(CultureInfo.InvariantCulture), ["failure_code"] = payment?.FailureCode ?? "payment_method_not_found",
        };
        if (payment is not null) data["payment_id"] = payment.Id.ToString();
        if (next is { } retry)
        {
            data["next_attempt_time"] = retry.ToString("O", CultureInfo.InvariantCulture);
            return NotificationRequests.For(plan.UserId, "payment_failed", $"Instalment {number} of {plan.Instalments} failed",
                $"We could not charge instalment {number} of {plan.Instalments} ({shown}). We will try again on {retry:yyyy-MM-dd}; please check your payment method.", data);
        }
        return NotificationRequests.For(plan.UserId, "instalment_plan_defaulted", $"Instalment {number} of {plan.Instalments} could not be collected",
            $"We could not charge instalment {number} of {plan.Instalments} ({shown}) after {plan.FailedAttempts} tries; no further instalments will be charged.", data);
    }
}
