using Mesh.Payment.Charges;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Payment.Workers;

/// <summary>
/// Refunds other services ask for (a booking cancelled) arrive as queue tasks <c>payment.refund_requested</c> and are
/// executed exactly once: the inbox row, the refund, its ledger transaction and its event share one transaction, and
/// the refund id is the message id, so even the provider sees one refund per task. A refund the rules refuse (too
/// large, not captured) is an answer, not a fault: logged and acknowledged, not retried.
/// Runs only when ConnectionStrings:messaging is set.
/// </summary>
public sealed class RefundTasks(NpgsqlDataSource db, PaymentProcessor processor, IConfiguration configuration, ILogger<RefundTasks> logger)
    : InboxConsumerService(db, configuration, logger)
{
    public const string TaskType = "payment.refund_requested";
    public const string Queue = "payment.refund-tasks";

    /// <summary>The task's body.</summary>
    public sealed record RefundRequested(Guid PaymentId, Guid UserId, long Amount, string Reason);

    protected override InboxConsumerOptions Options => new() { Queue = Queue, Bindings = [TaskType] };

    protected override async Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var task = message.Json<RefundRequested>();
        try
        {
            await processor.RefundAsync(PaymentUnit.Within(transaction), task.UserId, task.PaymentId, message.Id, task.Amount,
                task.Reason.Length > 200 ? task.Reason[..200] : task.Reason, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound)
        {
            logger.LogWarning("Refund task {MessageId} for payment {PaymentId} refused: {Reason}", message.Id, task.PaymentId, ex.Status.Detail);
        }
    }
}
