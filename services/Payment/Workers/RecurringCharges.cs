using Mesh.Payment.Instalments;
using Mesh.Payment.Subscriptions;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Payment.Workers;

/// <summary>
/// Executes the recurring charge tasks the scheduler enqueued (<see cref="RecurringChargeRequested"/> on queue
/// <c>payment.recurring-charges</c>: subscription renewals and instalments, with their dunning retries) exactly once:
/// the inbox row, the task's state, the charge, the subscription's or plan's new state, its events and the user's
/// notification share one transaction (<see cref="SubscriptionBilling.ChargeAsync"/>, <see cref="InstalmentBilling.ChargeAsync"/>).
/// A task already done (a redelivery) is acknowledged without a charge. Anything thrown (a subscription busy with a
/// plan change, the database) is retried by the consumer with back-off.
/// Runs only when ConnectionStrings:messaging is set.
/// </summary>
public sealed class RecurringCharges(NpgsqlDataSource db, SubscriptionBilling subscriptions, InstalmentBilling instalments, IConfiguration configuration, ILogger<RecurringCharges> logger)
    : InboxConsumerService(db, configuration, logger)
{
    protected override InboxConsumerOptions Options => new() { Queue = RecurringChargeRequested.Queue, Bindings = [RecurringChargeRequested.Type] };

    protected override async Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var unit = PaymentUnit.Within(transaction);
        var task = await unit.LockChargeTaskAsync(message.Json<RecurringChargeRequested>().TaskId);
        if (task is null || task.Status != ChargeTaskStates.Enqueued) return; // handled already (a redelivery)
        if (task.SubscriptionId is not null) await subscriptions.ChargeAsync(unit, task, cancellationToken);
        else await instalments.ChargeAsync(unit, task, cancellationToken);
    }
}
