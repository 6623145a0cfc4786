using Dapper;
using Mesh.Payment.Provider;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;

namespace Mesh.Payment.Tests;

/// <summary>
/// The card that needs a second step (simulated 3-D Secure): REQUIRES_ACTION with a next-action hint, ConfirmPayment
/// completes it or fails it on a wrong code, an unconfirmed one fails when its deadline passes on the clock; the
/// idempotency key still returns the stored answer without a second authorization.
/// </summary>
public sealed class ActionRequiredTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestCaller Caller, V1.Payment Payment)> PendingAsync(long amount, string? key = null)
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller, TestCards.RequiresAction);
        var payment = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = method, Amount = amount, Currency = "EUR", Capture = true },
            key is null ? caller.Bearer : caller.WithKey(key), cancellationToken: Ct);
        return (caller, payment);
    }

    private Task<long> LedgerTransactionsAsync(string paymentId) =>
        LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM ledger_transactions WHERE payment_id = @p", new { p = Guid.Parse(paymentId) });

    [Fact]
    public async Task Requires_action_then_confirm_succeeds_once_and_the_key_replays_the_first_answer()
    {
        var key = $"k-{Guid.NewGuid():N}";
        var (caller, pending) = await PendingAsync(4_000, key);
        Assert.Equal(PaymentStatus.RequiresAction, pending.Status);
        Assert.Equal("authenticate", pending.NextAction.Type);
        Assert.Contains(":confirm", pending.NextAction.Hint);
        Assert.True(pending.NextAction.ExpireTime.ToDateTimeOffset() > fixture.Clock.GetUtcNow());
        Assert.Equal(0, await LedgerTransactionsAsync(pending.Id));

        var authorizations = fixture.Provider.Authorizations;
        var repeated = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = pending.PaymentMethodId, Amount = 4_000, Currency = "EUR", Capture = true },
            caller.WithKey(key), cancellationToken: Ct);
        Assert.Equal(pending, repeated);
        Assert.Equal(authorizations, fixture.Provider.Authorizations);

        var confirmed = await fixture.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { Id = pending.Id, AuthenticationCode = "424242" }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal((PaymentStatus.Succeeded, 4_000L), (confirmed.Status, confirmed.AmountCaptured));
        Assert.Null(confirmed.NextAction);
        var again = await fixture.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { Id = pending.Id, AuthenticationCode = "424242" }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(confirmed, again);
        Assert.Equal(1, await LedgerTransactionsAsync(pending.Id));
        Assert.Equal(4_000, await fixture.Provider.NetOfAsync(pending.Id));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'payment.succeeded' AND convert_from(body, 'UTF8')::jsonb->>'PaymentId' = @p AND convert_from(body, 'UTF8')::jsonb->>'IdempotencyKey' = @key",
            new { p = pending.Id, key }));

        var stranger = fixture.NewCaller();
        var hidden = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { Id = pending.Id, AuthenticationCode = "424242" }, stranger.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
    }

    private Task<long> ActionNoticesAsync(Guid userId) =>
        LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'notification.requested' AND convert_from(body, 'UTF8')::jsonb->>'Kind' = 'payment_requires_action' AND convert_from(body, 'UTF8')::jsonb->>'UserId' = @u",
            new { u = userId.ToString() });

    [Fact]
    public async Task A_payment_that_requires_action_asks_once_for_a_notification_with_its_id_amount_and_deadline()
    {
        var key = $"k-{Guid.NewGuid():N}";
        var (caller, pending) = await PendingAsync(4_250, key);
        Assert.Equal(PaymentStatus.RequiresAction, pending.Status);
        // The idempotent replay and the confirmation write no second notice.
        await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = pending.PaymentMethodId, Amount = 4_250, Currency = "EUR", Capture = true },
            caller.WithKey(key), cancellationToken: Ct);
        await fixture.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { Id = pending.Id, AuthenticationCode = "424242" }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(1, await ActionNoticesAsync(caller.Id));

        await using var connection = await fixture.Database.OpenConnectionAsync(Ct);
        var json = await connection.ExecuteScalarAsync<string>(
            "SELECT convert_from(body, 'UTF8') FROM mesh_outbox WHERE type = 'notification.requested' AND convert_from(body, 'UTF8')::jsonb->'Data'->>'payment_id' = @p",
            new { p = pending.Id });
        var body = System.Text.Json.JsonDocument.Parse(json!).RootElement;
        var data = body.GetProperty("Data");
        Assert.Equal(("payment_requires_action", "4250", "EUR", "42.50 EUR"),
            (body.GetProperty("Kind").GetString(), data.GetProperty("amount").GetString(), data.GetProperty("currency").GetString(), data.GetProperty("amount_display").GetString()));
        Assert.Equal(pending.NextAction.ExpireTime.ToDateTime(), DateTime.Parse(data.GetProperty("action_expire_time").GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind));
    }

    [Fact]
    public async Task A_charge_without_the_cardholder_asks_for_no_action_notice()
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller, TestCards.RequiresAction);
        await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = method }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(0, await ActionNoticesAsync(caller.Id)); // it failed as authentication_required: nothing to confirm
    }

    [Fact]
    public async Task A_failed_authentication_fails_the_payment_and_moves_no_money()
    {
        var (caller, pending) = await PendingAsync(1_500);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { Id = pending.Id, AuthenticationCode = SimulatedProvider.FailingAuthenticationCode }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("AUTHENTICATION_FAILED", error.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);
        var failed = await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = pending.Id }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal((PaymentStatus.Failed, "authentication_failed"), (failed.Status, failed.FailureCode));
        Assert.Equal(0, await LedgerTransactionsAsync(pending.Id));
        Assert.Equal(0, await fixture.Provider.NetOfAsync(pending.Id));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'payment.failed' AND convert_from(body, 'UTF8')::jsonb->>'PaymentId' = @p", new { p = pending.Id }));

        var bad = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { Id = pending.Id, AuthenticationCode = "12ab" }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains(bad.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations, v => v.Field == "authentication_code");
    }

    [Fact]
    public async Task An_unconfirmed_payment_fails_when_its_deadline_passes()
    {
        var (caller, swept) = await PendingAsync(800);
        var (other, late) = await PendingAsync(900);
        fixture.Clock.AdvanceTo(swept.NextAction.ExpireTime.ToDateTimeOffset().AddSeconds(1));

        // Confirmed after the deadline but before the sweeper ran: too late all the same.
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { Id = late.Id, AuthenticationCode = "424242" }, other.Bearer, cancellationToken: Ct));
        Assert.Equal("AUTHENTICATION_EXPIRED", error.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);

        await fixture.Maintenance.RunOnceAsync(Ct);
        var expired = await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = swept.Id }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal((PaymentStatus.Failed, "authentication_expired"), (expired.Status, expired.FailureCode));
        Assert.Equal(0, await fixture.Provider.NetOfAsync(swept.Id));
        var tooLate = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { Id = swept.Id, AuthenticationCode = "424242" }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, tooLate.StatusCode);
        Assert.Equal(0, await fixture.Provider.NetOfAsync(swept.Id)); // the provider released it: a late confirm cannot capture
    }

    [Fact]
    public async Task A_confirmation_the_provider_applied_but_we_never_recorded_is_not_failed_when_the_deadline_passes()
    {
        // The confirm reached the provider (captured there) but its answer or our commit was lost: our row still says
        // REQUIRES_ACTION. When the deadline passes, the void finds the charge captured — money was taken.
        var (caller, pending) = await PendingAsync(2_200);
        var (other, confirmedLate) = await PendingAsync(2_300);
        Assert.Equal(ChargeState.Captured, (await fixture.Provider.ConfirmAsync(pending.Id, "424242", Ct)).State);
        Assert.Equal(ChargeState.Captured, (await fixture.Provider.ConfirmAsync(confirmedLate.Id, "424242", Ct)).State);
        fixture.Clock.AdvanceTo(pending.NextAction.ExpireTime.ToDateTimeOffset().AddSeconds(1));

        // ConfirmPayment after the deadline, before the sweeper: it answers the capture instead of AUTHENTICATION_EXPIRED.
        var answered = await fixture.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { Id = confirmedLate.Id, AuthenticationCode = "424242" }, other.Bearer, cancellationToken: Ct);
        Assert.Equal((PaymentStatus.Succeeded, 2_300L), (answered.Status, answered.AmountCaptured));
        Assert.Equal(1, await LedgerTransactionsAsync(confirmedLate.Id));

        await fixture.Maintenance.RunOnceAsync(Ct); // the sweeper
        var swept = await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = pending.Id }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal((PaymentStatus.Succeeded, 2_200L, ""), (swept.Status, swept.AmountCaptured, swept.FailureCode));
        Assert.Equal(1, await LedgerTransactionsAsync(pending.Id));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'payment.succeeded' AND convert_from(body, 'UTF8')::jsonb->>'PaymentId' = @p", new { p = pending.Id }));
        Assert.Equal(0, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'payment.failed' AND convert_from(body, 'UTF8')::jsonb->>'PaymentId' = @p", new { p = pending.Id }));
        Assert.Equal(0, await LedgerQueries.UnbalancedTransactionsAsync(fixture.Database));
    }

    [Fact]
    public async Task A_subscription_cannot_be_paid_with_a_card_that_needs_a_second_step()
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller, TestCards.RequiresAction);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = method }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal("AUTHENTICATION_REQUIRED", error.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);
        Assert.Empty((await fixture.Client.ListSubscriptionsAsync(new ListSubscriptionsRequest(), caller.Bearer, cancellationToken: Ct)).Subscriptions);
        var paymentId = error.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["payment_id"];
        var abandoned = await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = paymentId }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(PaymentStatus.Failed, abandoned.Status);
        var late = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { Id = paymentId, AuthenticationCode = "424242" }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);
        Assert.Equal(0, await fixture.Provider.NetOfAsync(paymentId));
    }
}
