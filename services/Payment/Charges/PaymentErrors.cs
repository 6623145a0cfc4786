using Google.Rpc;
using RpcStatus = Google.Rpc.Status;

namespace Mesh.Payment.Charges;

/// <summary>The business errors of payments, as google.rpc.Status with an ErrorInfo a client can switch on.</summary>
public static class PaymentErrors
{
    public const string Domain = "payment.mesh";

    public static RpcException Declined(PaymentRecord payment) =>
        Error(Code.FailedPrecondition, payment.FailureCode.ToUpperInvariant(),
            payment.FailureCode switch
            {
                "insufficient_funds" => "The card has insufficient funds.",
                "authentication_failed" => "The cardholder could not be authenticated.",
                "authentication_expired" => "The payment was not confirmed in time.",
                "authentication_required" => "The card asks for authentication, which this charge cannot do; use another payment method.",
                _ => "The card was declined.",
            },
            ("payment_id", payment.Id.ToString()));

    /// <summary>The analytics service judged the charge card testing or a bot (CheckRisk BLOCK); the provider was not asked.</summary>
    public static RpcException RiskBlocked(IEnumerable<string> reasons, string caseId) =>
        Error(Code.FailedPrecondition, "RISK_BLOCKED",
            $"This payment was refused by the fraud checks ({string.Join(", ", reasons)}); contact support with case {caseId} if this is wrong.",
            ("reasons", string.Join(",", reasons)), ("case_id", caseId));

    public static RpcException WrongState(PaymentRecord payment, string action) =>
        Error(Code.FailedPrecondition, "PAYMENT_STATE", $"A payment that is {payment.Status} cannot be {action}.", ("payment_id", payment.Id.ToString()));

    public static RpcException RefundTooLarge(PaymentRecord payment, long requested) =>
        Error(Code.FailedPrecondition, "REFUND_EXCEEDS_CAPTURED",
            $"Only {payment.Refundable} {payment.Currency} of this payment can still be refunded, not {requested}.", ("payment_id", payment.Id.ToString()));

    public static RpcException KeyReused() =>
        Error(Code.FailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
            "This idempotency key was used with a different request; use a new key for a new request.");

    public static RpcException NotFound(string what) => new(new Grpc.Core.Status(StatusCode.NotFound, $"No such {what}."));

    private static RpcException Error(Code code, string reason, string message, params (string Key, string Value)[] metadata)
    {
        var info = new ErrorInfo { Reason = reason, Domain = Domain };
        foreach (var (key, value) in metadata) info.Metadata[key] = value;
        return new RpcStatus { Code = (int)code, Message = message }.WithDetail(info).ToRpcException();
    }
}
