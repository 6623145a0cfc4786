using Mesh.Payment.V1;

namespace Mesh.Booking.Bookings;

/// <summary>What a charge attempt came to, from booking's point of view.</summary>
public abstract record ChargeOutcome
{
    /// <summary>Captured: the booking can be confirmed (if it is this booking's charge: same amount and currency).</summary>
    public sealed record Paid(Guid PaymentId, long Amount, string Currency) : ChargeOutcome;

    /// <summary>A final refusal (declined, no such method, …): the booking fails with <paramref name="Reason"/>.</summary>
    public sealed record Refused(string Reason, Guid? PaymentId) : ChargeOutcome;

    /// <summary>Not known yet (payment unreachable, timed out, still processing): the booking stays PENDING for recovery.</summary>
    public sealed record Unknown(string Why) : ChargeOutcome;
}

/// <summary>
/// Charges a booking through payment's CreatePayment over gRPC, as the caller (their bearer token forwarded), with
/// the booking id as Idempotency-Key — so repeating it, or payment running the recovery task with the same key and
/// an identical request, never charges twice. Classifies every answer as paid, refused or unknown.
/// </summary>
public sealed class PaymentCharges(Payments.PaymentsClient payments, BookingOptions options, ILogger<PaymentCharges> logger)
{
    /// <summary>The request; the recovery task (<see cref="BookingMessages.ChargeTask"/>) carries exactly these fields.</summary>
    public static CreatePaymentRequest RequestFor(BookingRow b) => new()
    {
        PaymentMethodId = b.PaymentMethodId.ToString(), Amount = b.AmountMinor, Currency = b.Currency, Capture = true, Description = b.PaymentDescription,
    };

    public async Task<ChargeOutcome> ChargeAsync(BookingRow booking, string? authorization, CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "idempotency-key", booking.Id.ToString() } };
        if (authorization is not null) headers.Add("authorization", authorization);
        try
        {
            // The payment client does not inherit the checkout call's deadline (BookingComposition): the charge may
            // finish even if the checkout's caller goes away.
            var payment = await payments.CreatePaymentAsync(RequestFor(booking), headers, DateTime.UtcNow + options.PaymentCallTimeout, cancellationToken);
            return Classify(payment);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound or StatusCode.InvalidArgument
                                         or StatusCode.PermissionDenied or StatusCode.OutOfRange)
        {
            var reason = e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason is { Length: > 0 } type ? type
                : e.StatusCode == StatusCode.NotFound ? "PAYMENT_METHOD_NOT_FOUND" : $"PAYMENT_{e.StatusCode.ToString().ToUpperInvariant()}";
            var info = e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>();
            Guid? paymentId = info is not null && info.Metadata.TryGetValue("payment_id", out var p) && Guid.TryParse(p, out var id) ? id : null;
            return new ChargeOutcome.Refused(reason, paymentId);
        }
        catch (RpcException e)
        {
            logger.LogWarning("Charging booking {BookingId} has no known outcome yet ({Status}); it stays PENDING for recovery", booking.Id, e.StatusCode);
            return new ChargeOutcome.Unknown(e.StatusCode.ToString());
        }
    }

    public static ChargeOutcome Classify(Mesh.Payment.V1.Payment payment) => payment.Status switch
    {
        PaymentStatus.Succeeded => new ChargeOutcome.Paid(Guid.Parse(payment.Id), payment.AmountCaptured, payment.Currency),
        PaymentStatus.Failed => new ChargeOutcome.Refused(payment.FailureCode is { Length: > 0 } code ? code.ToUpperInvariant() : "PAYMENT_FAILED", Guid.Parse(payment.Id)),
        _ => new ChargeOutcome.Unknown(payment.Status.ToString()),
    };
}
