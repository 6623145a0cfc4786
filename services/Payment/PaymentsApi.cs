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
public sealed class PaymentsApi(PaymentStore store, PaymentProcessor processor, SubscriptionBilling billing, Instalments.InstalmentBilling instalments, Ledger.Reconciliation reconciliation, IdempotentCalls idempotent, IPaymentProvider provider, CardFingerprints fingerprints, IRiskStep risk, TimeProvider time)
    : Payments.PaymentsBase
{
    public const long MaxAmount = PaymentRequests.MaxAmount;
    private const int MaxText = PaymentRequests.MaxText;

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
            CardFingerprint = fingerprints.Of(digits!),
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
        var key = IdempotentCalls.KeyFrom(context.RequestHeaders);
        var (canonical, command) = PaymentRequests.Validate(request, key);
        return await idempotent.RunAsync(userId, key, nameof(CreatePayment), canonical, V1.Payment.Parser,
            async (unit, paymentId) =>
            {
                // Fraud and bot rules on a new charge (a replayed key answers from its record without asking again); fail open.
                var method = await unit.FindPaymentMethodAsync(userId, command.PaymentMethodId);
                await risk.CheckAsync(userId, method?.CardFingerprint ?? "", context);
                return ToProto(await processor.CreateAsync(unit, userId, paymentId, command, context.CancellationToken));
            }, context.CancellationToken);
    }

    public override async Task<V1.Payment> ConfirmPayment(ConfirmPaymentRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        UnknownFields.Reject(request);
        var violations = new FieldViolations();
        if (!Guid.TryParse(request.Id, out var id)) violations.Add("id", "must be a payment id (uuid)");
        violations.Check("authentication_code", request.AuthenticationCode.Length is < 4 or > 12 || !request.AuthenticationCode.All(char.IsAsciiDigit)
            ? "must be the 4-12 digit code the cardholder received" : null).ThrowIfAny();
        return await idempotent.RunAsync(userId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(ConfirmPayment), request, V1.Payment.Parser,
            async (unit, _) => ToProto(await processor.ConfirmAsync(unit, userId, id, request.AuthenticationCode, context.CancellationToken)), context.CancellationToken);
    }

    public override async Task<V1.Payment> GetPayment(GetPaymentRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        var id = FieldViolations.RequireUuid("id", request.Id);
        return ToProto(await store.FindPaymentAsync(userId, id) ?? throw PaymentErrors.NotFound("payment"));
    }

    public override async Task<V1.Payment> CapturePayment(CapturePaymentRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        var id = FieldViolations.RequireUuid("id", request.Id);
        return await idempotent.RunAsync(userId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(CapturePayment), request, V1.Payment.Parser,
            async (unit, _) => ToProto(await processor.CaptureAsync(unit, userId, id, context.CancellationToken)), context.CancellationToken);
    }

    public override async Task<V1.Payment> VoidPayment(VoidPaymentRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        var id = FieldViolations.RequireUuid("id", request.Id);
        return await idempotent.RunAsync(userId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(VoidPayment), request, V1.Payment.Parser,
            async (unit, _) => ToProto(await processor.VoidAsync(unit, userId, id, context.CancellationToken)), context.CancellationToken);
    }

    /// <summary>
    /// Refunds are a merchant action: a customer refunding their own payment could, say, keep a booking's tickets and
    /// get the money back. Staff (roles as the users service spells them in tokens) may refund any user's payment;
    /// services ask through the refund-task queue (<see cref="Workers.RefundTasks"/>), not this RPC.
    /// </summary>
    private static readonly string[] RefundRoles = ["admin", "support_agent"];

    public override async Task<Refund> CreateRefund(CreateRefundRequest request, ServerCallContext context)
    {
        context.RequireRole(RefundRoles);
        var staffId = Caller(context); // idempotency keys are the staff member's
        UnknownFields.Reject(request);
        var violations = new FieldViolations();
        if (!Guid.TryParse(request.Id, out var id)) violations.Add("id", "must be a payment id (uuid)");
        violations
            .Check("amount", request.Amount is < 0 or > MaxAmount ? $"must be between 0 (everything left) and {MaxAmount}" : null)
            .MaxLength("reason", request.Reason, MaxText)
            .ThrowIfAny();
        return await idempotent.RunAsync(staffId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(CreateRefund), request, Refund.Parser,
            async (unit, refundId) => ToProto(await processor.RefundAsync(unit, null, id, refundId, request.Amount, request.Reason, context.CancellationToken)), context.CancellationToken);
    }

    /// <summary>The support back office's view of a customer's payments (staff only, as refunds are).</summary>
    public override async Task<ListUserPaymentsResponse> ListUserPayments(ListUserPaymentsRequest request, ServerCallContext context)
    {
        context.RequireRole(RefundRoles);
        var violations = new FieldViolations();
        var userId = violations.Uuid("user_id", request.UserId);
        violations.Check("page_size", request.PageSize is < 0 or > 100 ? "must be between 1 and 100 (0: 20)" : null);
        Guid? before = null;
        if (request.PageToken.Length > 0)
        {
            if (Guid.TryParseExact(request.PageToken, "N", out var last)) before = last;
            else violations.Add("page_token", "is not a token from a previous page of this listing");
        }
        violations.ThrowIfAny();
        var size = request.PageSize == 0 ? 20 : request.PageSize;
        var page = await store.ListPaymentsAsync(userId!.Value, before, size + 1);
        var response = new ListUserPaymentsResponse();
        response.Payments.AddRange(page.Take(size).Select(ToProto));
        if (page.Count > size) response.NextPageToken = page[size - 1].Id.ToString("N");
        return response;
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
            async (unit, reference) =>
            {
                var plan = await unit.FindPlanAsync(request.PlanId) ?? throw PaymentErrors.NotFound("plan");
                return ToProto(await billing.SubscribeAsync(unit, userId, plan, methodId, reference, context.CancellationToken));
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
        var id = FieldViolations.RequireUuid("id", request.Id);
        var key = IdempotentCalls.KeyFrom(context.RequestHeaders);
        // Fixed before the cancellation runs (and committed on its own): a retry prorates at the first try's instant.
        var requestTime = request.Immediately ? await store.RegisterCancelRequestAsync(userId, id, PaymentProcessor.Microseconds(time.GetUtcNow().UtcDateTime)) : null;
        return await idempotent.RunAsync(userId, key, nameof(CancelSubscription), request, Subscription.Parser,
            async (unit, _) => ToProto(await billing.CancelAsync(unit, userId, id, request.Immediately, requestTime, context.CancellationToken)), context.CancellationToken);
    }

    public override async Task<Subscription> ChangeSubscriptionPlan(ChangeSubscriptionPlanRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        UnknownFields.Reject(request);
        var violations = new FieldViolations();
        if (!Guid.TryParse(request.Id, out var id)) violations.Add("id", "must be a subscription id (uuid)");
        violations.Check("plan_id", request.PlanId.Length is 0 or > 64 ? "must name a plan (see ListPlans)" : null).ThrowIfAny();
        return await idempotent.RunAsync(userId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(ChangeSubscriptionPlan), request, Subscription.Parser,
            async (unit, reference) =>
            {
                var plan = await unit.FindPlanAsync(request.PlanId) ?? throw PaymentErrors.NotFound("plan");
                return ToProto(await billing.ChangePlanAsync(unit, userId, id, plan, reference, context.CancellationToken));
            }, context.CancellationToken);
    }

    public override async Task<InstalmentPlan> CreateInstalmentPlan(CreateInstalmentPlanRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        UnknownFields.Reject(request);
        var (canonical, _) = PaymentRequests.Validate(new CreatePaymentRequest
        {
            PaymentMethodId = request.PaymentMethodId, Amount = request.TotalAmount, Currency = request.Currency, Capture = true, Description = request.Description,
        }, null, amountField: "total_amount");
        new FieldViolations()
            .Check("instalments", request.Instalments is < 2 or > 24 ? "must be between 2 and 24" : null)
            .Check("total_amount", request.TotalAmount < request.Instalments ? "must be at least one minor unit per instalment" : null)
            .Check("interval", request.Interval is Interval.Unspecified or Interval.Month or Interval.Year ? null : "must be INTERVAL_MONTH or INTERVAL_YEAR")
            .ThrowIfAny();
        var command = new Instalments.InstalmentBilling.CreateCommand(Guid.Parse(canonical.PaymentMethodId), request.TotalAmount, canonical.Currency, request.Instalments,
            request.Interval == Interval.Year ? "year" : "month", request.Description);
        return await idempotent.RunAsync(userId, IdempotentCalls.KeyFrom(context.RequestHeaders), nameof(CreateInstalmentPlan), request, InstalmentPlan.Parser,
            async (unit, reference) => ToProto(await instalments.CreateAsync(unit, userId, command, reference, context.CancellationToken)), context.CancellationToken);
    }

    public override async Task<ListInstalmentPlansResponse> ListInstalmentPlans(ListInstalmentPlansRequest request, ServerCallContext context)
    {
        var userId = Caller(context);
        var response = new ListInstalmentPlansResponse();
        response.InstalmentPlans.AddRange((await store.ListInstalmentPlansAsync(userId)).Select(ToProto));
        return response;
    }

    private static Guid Caller(ServerCallContext context)
    {
        var user = context.RequireUser();
        return Guid.TryParse(user.Subject, out var id) ? id : throw new RpcException(new Status(StatusCode.Unauthenticated, "The token names no user."));
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
            PaymentStates.RequiresAction => PaymentStatus.RequiresAction,
            PaymentStates.RequiresCapture => PaymentStatus.RequiresCapture,
            PaymentStates.Processing => PaymentStatus.Processing,
            PaymentStates.Succeeded => PaymentStatus.Succeeded,
            PaymentStates.Failed => PaymentStatus.Failed,
            PaymentStates.Canceled => PaymentStatus.Canceled,
            _ => PaymentStatus.Unspecified,
        },
        AmountCaptured = p.AmountCaptured, AmountRefunded = p.AmountRefunded, FailureCode = p.FailureCode, Description = p.Description,
        CreateTime = Time(p.CreateTime), UpdateTime = Time(p.UpdateTime),
        NextAction = p.Status == PaymentStates.RequiresAction ? new NextAction
        {
            Type = "authenticate",
            Hint = $"The card issuer asks the cardholder to authenticate (3-D Secure). Send the code they received to POST /v1/payments/{p.Id}:confirm "
                + "as {\"authenticationCode\": \"...\"} (RPC ConfirmPayment) before expire_time, or the payment fails.",
            ExpireTime = p.ActionExpireTime is { } expiry ? Time(expiry) : null,
        } : null,
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
            SubscriptionStates.Incomplete => SubscriptionStatus.Incomplete,
            _ => SubscriptionStatus.Unspecified,
        },
        CurrentPeriodStart = Time(s.CurrentPeriodStart), CurrentPeriodEnd = Time(s.CurrentPeriodEnd), CancelAtPeriodEnd = s.CancelAtPeriodEnd,
        FailedAttempts = s.FailedAttempts, CreateTime = Time(s.CreateTime),
    };

    private static InstalmentPlan ToProto(Instalments.InstalmentPlanRecord p) => new()
    {
        Id = p.Id.ToString(), PaymentMethodId = p.PaymentMethodId.ToString(), TotalAmount = p.TotalAmount, Currency = p.Currency, Instalments = p.Instalments,
        Interval = p.Interval == "year" ? Interval.Year : Interval.Month, Description = p.Description,
        Status = p.Status switch
        {
            Instalments.InstalmentPlanStates.Active => InstalmentPlanStatus.Active,
            Instalments.InstalmentPlanStates.PastDue => InstalmentPlanStatus.PastDue,
            Instalments.InstalmentPlanStates.Completed => InstalmentPlanStatus.Completed,
            Instalments.InstalmentPlanStates.Defaulted => InstalmentPlanStatus.Defaulted,
            Instalments.InstalmentPlanStates.Incomplete => InstalmentPlanStatus.Incomplete,
            _ => InstalmentPlanStatus.Unspecified,
        },
        InstalmentsPaid = p.InstalmentsPaid, NextChargeTime = p.NextChargeTime is { } next ? Time(next) : null, FailedAttempts = p.FailedAttempts,
        CreateTime = Time(p.CreateTime),
    };

    private static Refund ToProto(RefundRecord r) => new()
    {
        Id = r.Id.ToString(), PaymentId = r.PaymentId.ToString(), Amount = r.Amount, Currency = r.Currency, Reason = r.Reason, CreateTime = Time(r.CreateTime),
    };
}
