using Google.Protobuf.WellKnownTypes;
using Mesh.Payment.Idempotency;
using Mesh.Payment.Charges;
using Mesh.Payment.Provider;
using Mesh.Payment.Subscriptions;
using Mesh.Payment.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Payment;

/// <summary>
/// The gRPC endpoint: validation (INVALID_ARGUMENT with field violations), the caller from the token (every row is
/// scoped to it: another user's payment is NOT_FOUND), idempotency keys, proto ⇄ domain mapping. No SQL here
/// (PaymentStore), no payment rules (PaymentProcessor).
/// </summary>
public sealed class PaymentsApi(PaymentStore store, PaymentProcessor processor, SubscriptionBilling billing, Ledger.Reconciliation reconciliation, IdempotentCalls idempotent, IPaymentProvider provider, TimeProvider time)
    : Payments.PaymentsBase
{
    public const long MaxAmount = 99_999_999;
    private const int MaxText = 200;

    // ISO-4217 codes this service accepts (those the provider settles).
    private static readonly HashSet<string> Currencies = ["USD", "EUR", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "JPY", "CAD", "AUD"];

    public override async Task<PaymentMethod> CreatePaymentMethod(CreatePaymentMethodRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        UnknownFields.Reject(request);
        var digits = CardNumber.Digits(request.CardNumber);
        var year = time.GetUtcNow().Year;
        new FieldViolations()
            .Check("card_number", digits is null ? "must be 12-19 digits" : !CardNumber.PassesLuhn(digits) ? "is not a valid card number" : null)
            .Check("exp_month", request.ExpMonth is < 1 or > 12 ? "must be between 1 and 12" : null)
            .Check("exp_year", request.ExpYear < year || request.ExpYear > year + 20 ? $"must be between {year} and {year + 20}" : null)
            .Check("cvc", request.Cvc.Length is < 3 or > 4 || !request.Cvc.All(char.IsAsciiDigit) ? "must be 3 or 4 digits" : null)
            .ThrowIfAny();
        CardToken token;
        try
        {
            token = await provider.TokenizeAsync(digits!, request.ExpMonth, request.ExpYear, request.Cvc, context.CancellationToken);
        }
        catch (CardRejectedException ex)
        {
            new FieldViolations().Add(ex.Field, ex.Problem).ThrowIfAny();
            throw;
        }
        var method = new PaymentMethodRecord
        {
            Id = Guid.CreateVersion7(), UserId = userId, ProviderToken = token.Token, Brand = token.Brand, Last4 = token.Last4,
            ExpMonth = token.ExpMonth, ExpYear = token.ExpYear, CreateTime = PaymentProcessor.Microseconds(time.GetUtcNow().UtcDateTime),
        };
        await store.InsertPaymentMethodAsync(method);
        return ToProto(method);
    }

    public override async Task<ListPaymentMethodsResponse> ListPaymentMethods(ListPaymentMethodsRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        var response = new ListPaymentMethodsResponse();
        response.PaymentMethods.AddRange((await store.ListPaymentMethodsAsync(userId)).Select(ToProto));
        return response;
    }

    public override async Task<V1.Payment> CreatePayment(CreatePaymentRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        UnknownFields.Reject(request);
        var currency = request.Currency.Trim().ToUpperInvariant();
        new FieldViolations()
            .Check("payment_method_id", Guid.TryParse(request.PaymentMethodId, out _) ? null : "must be a payment method id (uuid)")
            .Check("amount", request.Amount is <= 0 or > MaxAmount ? $"must be between 1 and {MaxAmount} minor units" : null)
            .Check("currency", Currencies.Contains(currency) ? null : "must be a supported ISO-4217 code (e.g. USD, EUR)")
            .MaxLength("description", request.Description, MaxText)
            .ThrowIfAny();
        var key = IdempotentCalls.KeyFrom(context.RequestHeaders);
        var command = new CreatePaymentCommand(Guid.Parse(request.PaymentMethodId), request.Amount, currency, request.Capture, request.Description);
        return await idempotent.RunAsync(userId, key, nameof(CreatePayment), request, V1.Payment.Parser,
            async (unit, paymentId) => ToProto(await processor.CreateAsync(unit, userId, paymentId, command, context.CancellationToken)), context.CancellationToken);
    }

    public override async Task<V1.Payment> GetPayment(GetPaymentRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        var id = ParseId("id", request.Id);
        return ToProto(await store.FindPaymentAsync(userId, id) ?? throw PaymentErrors.NotFound("payment"));
    }

    public override async Task<V1.Payment> CapturePayment(CapturePaymentRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        var id = ParseId("id", request.Id);
        return await idempotent.RunAsync(userId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(CapturePayment), request, V1.Payment.Parser,
            async (unit, _) => ToProto(await processor.CaptureAsync(unit, userId, id, context.CancellationToken)), context.CancellationToken);
    }

    public override async Task<V1.Payment> VoidPayment(VoidPaymentRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        var id = ParseId("id", request.Id);
        return await idempotent.RunAsync(userId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(VoidPayment), request, V1.Payment.Parser,
            async (unit, _) => ToProto(await processor.VoidAsync(unit, userId, id, context.CancellationToken)), context.CancellationToken);
    }

    public override async Task<Refund> CreateRefund(CreateRefundRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        UnknownFields.Reject(request);
        var violations = new FieldViolations();
        if (!Guid.TryParse(request.Id, out var id)) violations.Add("id", "must be a payment id (uuid)");
        violations
            .Check("amount", request.Amount is < 0 or > MaxAmount ? $"must be between 0 (everything left) and {MaxAmount}" : null)
            .MaxLength("reason", request.Reason, MaxText)
            .ThrowIfAny();
        return await idempotent.RunAsync(userId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(CreateRefund), request, Refund.Parser,
            async (unit, refundId) => ToProto(await processor.RefundAsync(unit, userId, id, refundId, request.Amount, request.Reason, context.CancellationToken)), context.CancellationToken);
    }

    public override async Task<ReconciliationReport> GetReconciliationReport(GetReconciliationReportRequest request, ServerCallContext context)
    {
        context.RequireRole("admin");
        var result = await reconciliation.RunAsync(context.CancellationToken);
        var report = new ReconciliationReport
        {
            PaymentsChecked = result.PaymentsChecked, UnbalancedTransactions = result.UnbalancedTransactions, LedgerTotal = result.LedgerTotal,
            RunTime = Timestamp.FromDateTimeOffset(result.RunTime),
        };
        report.Mismatches.AddRange(result.Mismatches.Select(m => new ReconciliationMismatch { PaymentId = m.PaymentId.ToString(), Problem = m.Problem }));
        return report;
    }

    public override async Task<ListPlansResponse> ListPlans(ListPlansRequest request, ServerCallContext context)
    {
        var response = new ListPlansResponse();
        response.Plans.AddRange((await store.ListPlansAsync()).Select(ToProto));
        return response;
    }

    public override async Task<Subscription> CreateSubscription(CreateSubscriptionRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        UnknownFields.Reject(request);
        var violations = new FieldViolations();
        if (!Guid.TryParse(request.PaymentMethodId, out var methodId)) violations.Add("payment_method_id", "must be a payment method id (uuid)");
        violations.Check("plan_id", request.PlanId.Length is 0 or > 64 ? "must name a plan (see ListPlans)" : null).ThrowIfAny();
        return await idempotent.RunAsync(userId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(CreateSubscription), request, Subscription.Parser,
            async (unit, _) =>
            {
                var plan = await unit.FindPlanAsync(request.PlanId) ?? throw PaymentErrors.NotFound("plan");
                return ToProto(await billing.SubscribeAsync(unit, userId, plan, methodId, context.CancellationToken));
            }, context.CancellationToken);
    }

    public override async Task<ListSubscriptionsResponse> ListSubscriptions(ListSubscriptionsRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        var response = new ListSubscriptionsResponse();
        response.Subscriptions.AddRange((await store.ListSubscriptionsAsync(userId)).Select(ToProto));
        return response;
    }

    public override async Task<Subscription> CancelSubscription(CancelSubscriptionRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        UnknownFields.Reject(request);
        var id = ParseId("id", request.Id);
        return await idempotent.RunAsync(userId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(CancelSubscription), request, Subscription.Parser,
            async (unit, _) => ToProto(await billing.CancelAsync(unit, userId, id, request.Immediately)), context.CancellationToken);
    }

    private static Guid Caller(ServerCallContext context)
    {
        var user = context.RequireUser();
        return Guid.TryParse(user.Subject, out var id) ? id : throw new RpcException(new Mesh.Grpc.Status(StatusCode.Unauthenticated, "The token names no user."));
    }

    private static Guid ParseId(string field, string value)
    {
        if (!Guid.TryParse(value, out var id)) new FieldViolations().Add(field, "must be a uuid").ThrowIfAny();
        return id;
    }

    private static Timestamp Time(DateTime value) => Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static PaymentMethod ToProto(PaymentMethodRecord m) => new()
    {
        Id = m.Id.ToString(), Brand = m.Brand, Last4 = m.Last4, ExpMonth = m.ExpMonth, ExpYear = m.ExpYear, CreateTime = Time(m.CreateTime),
    };

    public static V1.Payment ToProto(PaymentRecord p) => new()
    {
        Id = p.Id.ToString(), PaymentMethodId = p.PaymentMethodId.ToString(), Amount = p.Amount, Currency = p.Currency,
        Status = p.Status switch
        {
            PaymentStates.RequiresCapture => PaymentStatus.RequiresCapture,
            PaymentStates.Processing => PaymentStatus.Processing,
            PaymentStates.Succeeded => PaymentStatus.Succeeded,
            PaymentStates.Failed => PaymentStatus.Failed,
            PaymentStates.Canceled => PaymentStatus.Canceled,
            _ => PaymentStatus.Unspecified,
        },
        AmountCaptured = p.AmountCaptured, AmountRefunded = p.AmountRefunded, FailureCode = p.FailureCode, Description = p.Description,
        CreateTime = Time(p.CreateTime), UpdateTime = Time(p.UpdateTime),
    };

    private static Plan ToProto(PlanRecord p) => new()
    {
        Id = p.Id, Name = p.Name, Amount = p.Amount, Currency = p.Currency, TrialDays = p.TrialDays,
        Interval = p.Interval == "year" ? Interval.Year : Interval.Month,
    };

    private static Subscription ToProto(SubscriptionRecord s) => new()
    {
        Id = s.Id.ToString(), PlanId = s.PlanId, PaymentMethodId = s.PaymentMethodId.ToString(),
        Status = s.Status switch
        {
            SubscriptionStates.Trialing => SubscriptionStatus.Trialing,
            SubscriptionStates.Active => SubscriptionStatus.Active,
            SubscriptionStates.PastDue => SubscriptionStatus.PastDue,
            SubscriptionStates.Canceled => SubscriptionStatus.Canceled,
            _ => SubscriptionStatus.Unspecified,
        },
        CurrentPeriodStart = Time(s.CurrentPeriodStart), CurrentPeriodEnd = Time(s.CurrentPeriodEnd), CancelAtPeriodEnd = s.CancelAtPeriodEnd,
        FailedAttempts = s.FailedAttempts, CreateTime = Time(s.CreateTime),
    };

    private static Refund ToProto(RefundRecord r) => new()
    {
        Id = r.Id.ToString(), PaymentId = r.PaymentId.ToString(), Amount = r.Amount, Currency = r.Currency, Reason = r.Reason, CreateTime = Time(r.CreateTime),
    };
}
