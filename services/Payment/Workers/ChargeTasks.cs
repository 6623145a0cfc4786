using Mesh.Payment.Charges;
using Mesh.Payment.Idempotency;
using Mesh.Payment.V1;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Payment.Workers;

/// <summary>
/// Charges other services ask for (booking's checkout) as queue tasks <c>payment.charge_requested</c> on queue
/// <c>payment.charge-tasks</c>, executed exactly once (inbox) as the named user through the SAME idempotency path as
/// the CreatePayment RPC, with the same canonical request: the same key and figures as an earlier RPC return its stored
/// outcome (no second charge); a charge not made yet is made now. The outcome reaches the caller as
/// <c>payment.succeeded</c> / <c>payment.failed</c> carrying the key; a replayed outcome is announced again for a
/// caller that missed it (consumers dedupe by state). A refusal (decline, unknown card, bad task) is an answer:
/// acknowledged, announced as payment.failed (PaymentId empty when no payment was made). Anything else (database,
/// provider errors) throws and is retried by the consumer.
/// Runs only when ConnectionStrings:messaging is set.
/// </summary>
public sealed class ChargeTasks(NpgsqlDataSource db, PaymentProcessor processor, IdempotentCalls idempotent, IConfiguration configuration, ILogger<ChargeTasks> logger)
    : InboxConsumerService(db, configuration, logger)
{
    public const string TaskType = "payment.charge_requested";
    public const string Queue = "payment.charge-tasks";

    /// <summary>The task's body (JSON, PascalCase).</summary>
    public sealed record ChargeRequested(Guid UserId, Guid PaymentMethodId, long Amount, string Currency, string Description, string IdempotencyKey, bool Capture);

    protected override InboxConsumerOptions Options => new() { Queue = Queue, Bindings = [TaskType] };

    protected override async Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var task = message.Json<ChargeRequested>();
        var unit = PaymentUnit.Within(transaction);
        if (!PaymentRequests.IsValidKey(task.IdempotencyKey))
        {
            await RefusedAsync(unit, task, message.Id, "invalid_request", "IdempotencyKey must be 1-255 visible ASCII characters");
            return;
        }
        CreatePaymentRequest canonical;
        CreatePaymentCommand command;
        try
        {
            (canonical, command) = PaymentRequests.Validate(new CreatePaymentRequest
            {
                PaymentMethodId = task.PaymentMethodId.ToString(), Amount = task.Amount, Currency = task.Currency ?? "",
                Capture = task.Capture, Description = task.Description ?? "",
            }, task.IdempotencyKey);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            await RefusedAsync(unit, task, message.Id, "invalid_request", ex.Status.Detail);
            return;
        }

        var outcome = await idempotent.ExecuteAsync(task.UserId, task.IdempotencyKey, nameof(PaymentsApi.CreatePayment), canonical, V1.Payment.Parser,
            async (u, paymentId) => PaymentsApi.ToProto(await processor.CreateAsync(u, task.UserId, paymentId, command, cancellationToken)), unit, cancellationToken);

        // The payment the outcome is about: the answer's, or a decline's (its ErrorInfo names it).
        Guid? paymentId = outcome.Result is { } payment ? Guid.Parse(payment.Id)
            : outcome.Error?.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>() is { } info && info.Metadata.TryGetValue("payment_id", out var id) ? Guid.Parse(id)
            : null;
        if (paymentId is null)
        {
            // Refused before any payment existed: an unknown (or another user's) card, a key reused for another request.
            var code = outcome.Error?.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason.ToLowerInvariant()
                ?? (outcome.Error?.StatusCode == StatusCode.NotFound ? "payment_method_not_found" : "invalid_request");
            await RefusedAsync(unit, task, message.Id, code, outcome.Error?.Status.Detail ?? "");
            return;
        }
        if (outcome.Replayed && await unit.LockPaymentAsync(null, paymentId.Value) is { Status: PaymentStates.Succeeded or PaymentStates.Failed } settled)
            await unit.PublishAsync(PaymentEvents.For(settled)); // announced again for a caller that missed it
        if (outcome.Error is not null)
            logger.LogInformation("Charge task {MessageId} (key {Key}) refused: {Reason}", message.Id, task.IdempotencyKey, outcome.Error.Status.Detail);
    }

    private async Task RefusedAsync(PaymentUnit unit, ChargeRequested task, Guid messageId, string code, string detail)
    {
        logger.LogWarning("Charge task {MessageId} (key {Key}) refused before any payment: {Code} {Detail}", messageId, task.IdempotencyKey, code, detail);
        await unit.PublishAsync(OutboxMessage.Json(PaymentEvents.FailedType,
            new PaymentEvents.PaymentFailed(Guid.Empty, task.UserId, task.Amount, task.Currency ?? "", code, task.IdempotencyKey)));
    }
}
