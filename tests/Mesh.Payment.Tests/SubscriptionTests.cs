using Mesh.Payment.Provider;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Payment.Tests;

/// <summary>
/// Subscriptions on the test clock: trial → active → renewal → failed renewal → dunning → canceled, every charge
/// through the RabbitMQ charge-task queue (enqueued once, charged once) with the user notified of failures; cancel; ownership.
/// </summary>
public sealed class SubscriptionTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<Subscription> OnlyAsync(TestCaller caller) =>
        Assert.Single((await fixture.Client.ListSubscriptionsAsync(new ListSubscriptionsRequest(), caller.Bearer, cancellationToken: Ct)).Subscriptions);

    private async Task<Subscription> AtPeriodEndAsync(TestCaller caller, TimeSpan after = default)
    {
        var current = await OnlyAsync(caller);
        fixture.Clock.AdvanceTo(current.CurrentPeriodEnd.ToDateTimeOffset() + after);
        await fixture.BillAsync();
        return await OnlyAsync(caller);
    }

    [Fact]
    public async Task Trial_then_active_then_renewal_then_failed_renewals_through_dunning_to_canceled()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var plans = await fixture.Client.ListPlansAsync(new ListPlansRequest(), cancellationToken: Ct);
        var basic = plans.Plans.Single(p => p.Id == "basic-monthly");
        Assert.Equal(14, basic.TrialDays);

        var trial = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = basic.Id, PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(SubscriptionStatus.Trialing, trial.Status);
        Assert.Equal(TimeSpan.FromDays(14), trial.CurrentPeriodEnd.ToDateTimeOffset() - trial.CurrentPeriodStart.ToDateTimeOffset());
        await fixture.Maintenance.RunOnceAsync(Ct);
        Assert.Equal(SubscriptionStatus.Trialing, (await OnlyAsync(caller)).Status); // nothing is due yet

        var active = await AtPeriodEndAsync(caller);
        Assert.Equal(SubscriptionStatus.Active, active.Status);
        Assert.Equal(trial.CurrentPeriodEnd, active.CurrentPeriodStart);

        var renewed = await AtPeriodEndAsync(caller);
        Assert.Equal(SubscriptionStatus.Active, renewed.Status);
        Assert.Equal(active.CurrentPeriodEnd, renewed.CurrentPeriodStart);
        Assert.Equal(2, await SucceededChargesAsync(card));

        await fixture.Provider.ChangeBehaviorAsync(await fixture.TokenOfAsync(card), CardBehavior.InsufficientFunds);
        var pastDue = await AtPeriodEndAsync(caller);
        Assert.Equal((SubscriptionStatus.PastDue, 1), (pastDue.Status, pastDue.FailedAttempts));
        var periodEnd = pastDue.CurrentPeriodEnd.ToDateTimeOffset();

        foreach (var (day, attempts) in new[] { (1, 2), (3, 3) })
        {
            fixture.Clock.AdvanceTo(periodEnd.AddDays(day));
            await fixture.BillAsync();
            var dunning = await OnlyAsync(caller);
            Assert.Equal((SubscriptionStatus.PastDue, attempts), (dunning.Status, dunning.FailedAttempts));
        }
        fixture.Clock.AdvanceTo(periodEnd.AddDays(7));
        await fixture.BillAsync();
        var canceled = await OnlyAsync(caller);
        Assert.Equal((SubscriptionStatus.Canceled, 4), (canceled.Status, canceled.FailedAttempts));

        fixture.Clock.Advance(TimeSpan.FromDays(60));
        await fixture.BillAsync();
        Assert.Equal(SubscriptionStatus.Canceled, (await OnlyAsync(caller)).Status);
        Assert.Equal(2, await SucceededChargesAsync(card));
        Assert.Equal(4, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM payments WHERE payment_method_id = @m AND status = 'failed'", new { m = Guid.Parse(card) }));
        Assert.Equal(0, await LedgerQueries.UnbalancedTransactionsAsync(fixture.Database));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'subscription.canceled' AND convert_from(body, 'UTF8')::jsonb->>'SubscriptionId' = @s", new { s = trial.Id }));
        Assert.Equal(2, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'subscription.renewed' AND convert_from(body, 'UTF8')::jsonb->>'SubscriptionId' = @s", new { s = trial.Id }));
        // Six due charges (first charge after the trial, a renewal, four tries of the next), each one task, each charged once.
        Assert.Equal(6, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM charge_tasks WHERE subscription_id = @s AND status = 'done'", new { s = Guid.Parse(trial.Id) }));
        Assert.Equal(6, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM payments WHERE payment_method_id = @m", new { m = Guid.Parse(card) }));
        // The user was told about each failed try (three with a retry date, then the cancellation).
        Assert.Equal(3, await NotificationsAsync(caller, "payment_failed"));
        Assert.Equal(1, await NotificationsAsync(caller, "subscription_canceled"));
    }

    [Fact]
    public async Task A_due_charge_is_enqueued_once_and_a_redelivered_task_charges_nothing_more()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var sub = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct);
        fixture.Clock.AdvanceTo(sub.CurrentPeriodEnd.ToDateTimeOffset());

        await fixture.Maintenance.RunOnceAsync(Ct);
        await fixture.Maintenance.RunOnceAsync(Ct); // the second scheduler round finds it enqueued already
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM charge_tasks WHERE subscription_id = @s", new { s = Guid.Parse(sub.Id) }));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'payment.recurring_charge_requested' AND convert_from(body, 'UTF8')::jsonb->>'SubscriptionId' = @s", new { s = sub.Id }));
        await fixture.BillAsync();
        var renewed = await OnlyAsync(caller);
        Assert.Equal(sub.CurrentPeriodEnd, renewed.CurrentPeriodStart);
        Assert.Equal(2, await SucceededChargesAsync(card));

        // The same task's message again (as a lost-message redelivery would send it): handled, nothing charged.
        Guid again;
        await using (var connection = await fixture.Database.OpenConnectionAsync(Ct))
            again = await Dapper.SqlMapper.ExecuteScalarAsync<Guid>(connection, """
                INSERT INTO mesh_outbox (id, type, content_type, body)
                SELECT gen_random_uuid(), type, content_type, body FROM mesh_outbox
                WHERE type = 'payment.recurring_charge_requested' AND convert_from(body, 'UTF8')::jsonb->>'SubscriptionId' = @s
                RETURNING id
                """, new { s = sub.Id });
        await fixture.BillAsync();
        await PaymentFixture.WaitUntilAsync(async () => await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_inbox WHERE consumer = 'payment.recurring-charges' AND message_id = @again", new { again }) == 1);
        Assert.Equal(2, await SucceededChargesAsync(card));
        Assert.Equal(renewed, await OnlyAsync(caller));
    }

    [Fact]
    public async Task Changing_plan_mid_period_prorates_and_cancel_now_refunds_the_unused_part()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var sub = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct);
        var start = sub.CurrentPeriodStart.ToDateTimeOffset();
        var end = sub.CurrentPeriodEnd.ToDateTimeOffset();
        fixture.Clock.AdvanceTo(start + (end - start) / 2); // exactly half the period left

        // Down to Basic (999): credit half of 1999 = 999.5 → 1000, charge half of 999 = 499.5 → 500 (half up): 500 back.
        var down = await fixture.Client.ChangeSubscriptionPlanAsync(new ChangeSubscriptionPlanRequest { Id = sub.Id, PlanId = "basic-monthly" }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(("basic-monthly", SubscriptionStatus.Active, sub.CurrentPeriodEnd), (down.PlanId, down.Status, down.CurrentPeriodEnd));
        Assert.Equal(500, await RefundedAsync(card));
        Assert.Equal(1, await SucceededChargesAsync(card));

        // Back up to Plus: credit 500, charge 1000: 500 charged now.
        var up = await fixture.Client.ChangeSubscriptionPlanAsync(new ChangeSubscriptionPlanRequest { Id = sub.Id, PlanId = "plus-monthly" }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal("plus-monthly", up.PlanId);
        Assert.Equal(2, await SucceededChargesAsync(card));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM payments WHERE payment_method_id = @m AND status = 'succeeded' AND amount = 500", new { m = Guid.Parse(card) }));

        // Cancel now with a quarter left: 1999 / 4 = 499.75 → 500 refunded, from the newest payment of the period first.
        fixture.Clock.AdvanceTo(start + (end - start) * 3 / 4);
        var canceled = await fixture.Client.CancelSubscriptionAsync(new CancelSubscriptionRequest { Id = sub.Id, Immediately = true }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(SubscriptionStatus.Canceled, canceled.Status);
        Assert.Equal(1_000, await RefundedAsync(card));
        Assert.Equal(500, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT amount_refunded FROM payments WHERE payment_method_id = @m AND amount = 500", new { m = Guid.Parse(card) }));
        var again = await fixture.Client.CancelSubscriptionAsync(new CancelSubscriptionRequest { Id = sub.Id, Immediately = true }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(canceled, again);
        Assert.Equal(1_000, await RefundedAsync(card)); // repeating refunds nothing more
        Assert.Equal(0, await LedgerQueries.UnbalancedTransactionsAsync(fixture.Database));
    }

    [Fact]
    public async Task Another_interval_starts_a_new_period_and_a_declined_change_changes_nothing()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var sub = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct);
        fixture.Clock.AdvanceTo(sub.CurrentPeriodEnd.ToDateTimeOffset() - (sub.CurrentPeriodEnd.ToDateTimeOffset() - sub.CurrentPeriodStart.ToDateTimeOffset()) / 2);

        var yearly = await fixture.Client.ChangeSubscriptionPlanAsync(new ChangeSubscriptionPlanRequest { Id = sub.Id, PlanId = "plus-yearly" }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal("plus-yearly", yearly.PlanId);
        Assert.Equal(fixture.Clock.GetUtcNow().UtcDateTime, yearly.CurrentPeriodStart.ToDateTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(yearly.CurrentPeriodStart.ToDateTime().AddYears(1), yearly.CurrentPeriodEnd.ToDateTime());
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM payments WHERE payment_method_id = @m AND status = 'succeeded' AND amount = 19999", new { m = Guid.Parse(card) }));
        Assert.Equal(1_000, await RefundedAsync(card)); // half a month of Plus back

        await fixture.Provider.ChangeBehaviorAsync(await fixture.TokenOfAsync(card), CardBehavior.Declines);
        var other = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "basic-monthly", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct); // trial: no charge
        var trialChange = await fixture.Client.ChangeSubscriptionPlanAsync(new ChangeSubscriptionPlanRequest { Id = other.Id, PlanId = "plus-monthly" }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal((SubscriptionStatus.Trialing, other.CurrentPeriodEnd), (trialChange.Status, trialChange.CurrentPeriodEnd));
        var declined = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ChangeSubscriptionPlanAsync(new ChangeSubscriptionPlanRequest { Id = sub.Id, PlanId = "plus-monthly" }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, declined.StatusCode);
        var unchanged = (await fixture.Client.ListSubscriptionsAsync(new ListSubscriptionsRequest(), caller.Bearer, cancellationToken: Ct)).Subscriptions.Single(s => s.Id == sub.Id);
        Assert.Equal(yearly, unchanged);
        var bad = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ChangeSubscriptionPlanAsync(new ChangeSubscriptionPlanRequest { Id = "nope", PlanId = "" }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    [Theory]
    [InlineData(999, 1, 2, 500)]      // 499.5 rounds half up
    [InlineData(1999, 1, 4, 500)]     // 499.75
    [InlineData(1000, 1, 3, 333)]     // 333.33
    [InlineData(2000, 1, 3, 667)]     // 666.67
    [InlineData(1999, 0, 10, 0)]
    [InlineData(1999, 10, 10, 1999)]
    [InlineData(99_999_999, 31_622_400_000_000, 31_622_400_000_000, 99_999_999)] // a leap year of microseconds: no overflow
    public void Proration_is_integer_minor_units_rounded_half_up(long amount, long remaining, long total, long expected) =>
        Assert.Equal(expected, Mesh.Payment.Subscriptions.Proration.Part(amount, remaining, total));

    private Task<long> RefundedAsync(string card) => LedgerQueries.CountAsync(fixture.Database,
        "SELECT coalesce(sum(amount_refunded), 0)::bigint FROM payments WHERE payment_method_id = @m", new { m = Guid.Parse(card) });

    private Task<long> NotificationsAsync(TestCaller caller, string kind) => LedgerQueries.CountAsync(fixture.Database, """
        SELECT count(*) FROM mesh_outbox WHERE type = 'notification.requested'
        AND convert_from(body, 'UTF8')::jsonb->>'UserId' = @u AND convert_from(body, 'UTF8')::jsonb->>'Kind' = @kind
        """, new { u = caller.Id.ToString(), kind });

    [Fact]
    public async Task A_renewal_is_announced_once_per_period_within_the_notice_time_and_not_when_canceling()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var sub = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct);
        var leaving = fixture.NewCaller();
        var leavingSub = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = await fixture.AddCardAsync(leaving) },
            leaving.Bearer, cancellationToken: Ct);
        await fixture.Client.CancelSubscriptionAsync(new CancelSubscriptionRequest { Id = leavingSub.Id }, leaving.Bearer, cancellationToken: Ct); // at period end

        await fixture.Maintenance.RunOnceAsync(Ct);
        Assert.Equal(0, await NotificationsAsync(caller, "subscription_renewing")); // a month away: too early

        var periodEnd = sub.CurrentPeriodEnd.ToDateTimeOffset();
        fixture.Clock.AdvanceTo(periodEnd.AddDays(-2)); // within the default 3 days
        await fixture.Maintenance.RunOnceAsync(Ct);
        await fixture.Maintenance.RunOnceAsync(Ct); // a second round announces nothing again
        Assert.Equal(1, await NotificationsAsync(caller, "subscription_renewing"));
        Assert.Equal(0, await NotificationsAsync(leaving, "subscription_renewing"));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, """
            SELECT count(*) FROM mesh_outbox WHERE type = 'notification.requested'
            AND convert_from(body, 'UTF8')::jsonb->'Data'->>'subscription_id' = @s AND convert_from(body, 'UTF8')::jsonb->'Data'->>'plan' = 'Plus'
            AND (convert_from(body, 'UTF8')::jsonb->'Data'->>'renews_at')::timestamptz = @end
            """, new { s = sub.Id, end = periodEnd.UtcDateTime }));

        var renewed = await AtPeriodEndAsync(caller);
        Assert.Equal(SubscriptionStatus.Active, renewed.Status);
        await fixture.Maintenance.RunOnceAsync(Ct);
        Assert.Equal(1, await NotificationsAsync(caller, "subscription_renewing")); // the new period ends a month later

        fixture.Clock.AdvanceTo(renewed.CurrentPeriodEnd.ToDateTimeOffset().AddDays(-1));
        await fixture.Maintenance.RunOnceAsync(Ct);
        await fixture.Maintenance.RunOnceAsync(Ct);
        Assert.Equal(2, await NotificationsAsync(caller, "subscription_renewing")); // once for each period
    }

    [Fact]
    public async Task Cancel_at_period_end_stops_renewal_and_cancel_now_ends_at_once()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var sub = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(SubscriptionStatus.Active, sub.Status); // no trial: charged at once
        Assert.Equal(1, await SucceededChargesAsync(card));

        var pending = await fixture.Client.CancelSubscriptionAsync(new CancelSubscriptionRequest { Id = sub.Id }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal((SubscriptionStatus.Active, true), (pending.Status, pending.CancelAtPeriodEnd));
        var ended = await AtPeriodEndAsync(caller);
        Assert.Equal(SubscriptionStatus.Canceled, ended.Status);
        Assert.Equal(1, await SucceededChargesAsync(card));

        var other = fixture.NewCaller();
        var otherCard = await fixture.AddCardAsync(other);
        var yearly = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-yearly", PaymentMethodId = otherCard }, other.Bearer, cancellationToken: Ct);
        var idor = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CancelSubscriptionAsync(new CancelSubscriptionRequest { Id = yearly.Id, Immediately = true }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, idor.StatusCode);
        var now = await fixture.Client.CancelSubscriptionAsync(new CancelSubscriptionRequest { Id = yearly.Id, Immediately = true }, other.Bearer, cancellationToken: Ct);
        Assert.Equal(SubscriptionStatus.Canceled, now.Status);
        Assert.Equal(ended.Id, (await OnlyAsync(caller)).Id); // each sees only their own
    }

    [Fact]
    public async Task A_declined_first_charge_makes_no_subscription()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller, TestCards.Declined);
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Empty((await fixture.Client.ListSubscriptionsAsync(new ListSubscriptionsRequest(), caller.Bearer, cancellationToken: Ct)).Subscriptions);
        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "no-such-plan", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_renewal_left_processing_is_neither_renewed_nor_retried_until_it_settles_then_renews_once()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var sub = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct);
        await fixture.Provider.ChangeBehaviorAsync(await fixture.TokenOfAsync(card), CardBehavior.TimesOut); // charges, answer lost

        // Through every dunning date: the renewal stays PROCESSING, nothing is retried, nobody is told it failed.
        var periodEnd = sub.CurrentPeriodEnd.ToDateTimeOffset();
        foreach (var day in new[] { 0, 1, 3, 7, 8 })
        {
            fixture.Clock.AdvanceTo(periodEnd.AddDays(day).AddMinutes(1));
            await fixture.ScheduleWithoutSettlingAsync();
            var waiting = await OnlyAsync(caller);
            Assert.Equal((SubscriptionStatus.Active, 0, sub.CurrentPeriodEnd), (waiting.Status, waiting.FailedAttempts, waiting.CurrentPeriodEnd));
        }
        Assert.Equal(2, await ChargesAsync(card));
        Assert.Equal(1, await ChargesAsync(card, "processing"));
        Assert.Equal(0, await NotificationsAsync(caller, "payment_failed"));

        await fixture.Maintenance.RunOnceAsync(Ct); // the provider's record settles it: captured
        var renewed = await OnlyAsync(caller);
        Assert.Equal((SubscriptionStatus.Active, 0, sub.CurrentPeriodEnd), (renewed.Status, renewed.FailedAttempts, renewed.CurrentPeriodStart));
        Assert.Equal(sub.CurrentPeriodEnd.ToDateTime().AddMonths(1), renewed.CurrentPeriodEnd.ToDateTime());
        await fixture.BillAsync(); // nothing is due: the next period has not ended
        Assert.Equal(renewed, await OnlyAsync(caller));
        Assert.Equal((2L, 2L), (await ChargesAsync(card), await SucceededChargesAsync(card)));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'subscription.renewed' AND convert_from(body, 'UTF8')::jsonb->>'SubscriptionId' = @s", new { s = sub.Id }));
        Assert.Equal(0, await NotificationsAsync(caller, "payment_failed"));
        Assert.Equal(0, await LedgerQueries.UnbalancedTransactionsAsync(fixture.Database));
    }

    [Fact]
    public async Task A_first_charge_left_processing_makes_an_incomplete_subscription_until_it_settles()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller, TestCards.Timeout);
        var subscribe = async () => await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct);
        async Task<Subscription> Get(string id) =>
            (await fixture.Client.ListSubscriptionsAsync(new ListSubscriptionsRequest(), caller.Bearer, cancellationToken: Ct)).Subscriptions.Single(s => s.Id == id);

        var captured = await subscribe();
        var declined = await subscribe();
        var abandoned = await subscribe();
        Assert.All(new[] { captured, declined, abandoned }, s => Assert.Equal(SubscriptionStatus.Incomplete, s.Status));
        await fixture.DeclineAtProviderAsync((await InitialPaymentAsync(declined.Id)).ToString());
        var canceled = await fixture.Client.CancelSubscriptionAsync(new CancelSubscriptionRequest { Id = abandoned.Id, Immediately = true }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(SubscriptionStatus.Canceled, canceled.Status);

        await fixture.Maintenance.RunOnceAsync(Ct);
        var active = await Get(captured.Id);
        Assert.Equal((SubscriptionStatus.Active, captured.CurrentPeriodEnd), (active.Status, active.CurrentPeriodEnd));
        Assert.Equal(SubscriptionStatus.Canceled, (await Get(declined.Id)).Status);
        Assert.Equal(1, await NotificationsAsync(caller, "subscription_canceled"));
        // Canceled before its first payment settled: that payment is captured, and refunded in full.
        Assert.Equal(1_999, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT amount_refunded FROM payments WHERE id = @p", new { p = await InitialPaymentAsync(abandoned.Id) }));
        Assert.Equal(0, await fixture.Provider.NetOfAsync((await InitialPaymentAsync(abandoned.Id)).ToString()));
        Assert.Equal(0, await LedgerQueries.UnbalancedTransactionsAsync(fixture.Database));
    }

    [Fact]
    public async Task Cancel_now_retried_after_a_lost_commit_refunds_once_with_the_first_tries_amount()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var sub = await fixture.Client.CreateSubscriptionAsync(new CreateSubscriptionRequest { PlanId = "plus-monthly", PaymentMethodId = card }, caller.Bearer, cancellationToken: Ct);
        var (start, end) = (sub.CurrentPeriodStart.ToDateTimeOffset(), sub.CurrentPeriodEnd.ToDateTimeOffset());
        fixture.Clock.AdvanceTo(start + (end - start) / 2); // half left: 1999 / 2 = 999.5 → 1000 back
        var paid = await InitialPaymentAsync(sub.Id);

        // A first try (no idempotency key) does what CancelSubscription does, reaches the provider's refund, and dies
        // before its commit.
        var store = fixture.Services.GetRequiredService<PaymentStore>();
        var billing = fixture.Services.GetRequiredService<Mesh.Payment.Subscriptions.SubscriptionBilling>();
        var asked = await store.RegisterCancelRequestAsync(caller.Id, Guid.Parse(sub.Id), fixture.Clock.GetUtcNow().UtcDateTime);
        await using (var unit = await store.BeginAsync(Ct))
            await billing.CancelAsync(unit, caller.Id, Guid.Parse(sub.Id), true, asked, Ct); // never committed
        Assert.Equal(999, await fixture.Provider.NetOfAsync(paid.ToString()));
        Assert.Equal(SubscriptionStatus.Active, (await OnlyAsync(caller)).Status);

        // The client's retry arrives days later, when the unused part is smaller: same refund, same amount, once.
        fixture.Clock.Advance(TimeSpan.FromDays(3));
        var canceled = await fixture.Client.CancelSubscriptionAsync(new CancelSubscriptionRequest { Id = sub.Id, Immediately = true }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(SubscriptionStatus.Canceled, canceled.Status);
        Assert.Equal(1_000, await LedgerQueries.CountAsync(fixture.Database, "SELECT amount_refunded FROM payments WHERE id = @p", new { p = paid }));
        Assert.Equal(999, await fixture.Provider.NetOfAsync(paid.ToString()));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM sandbox_provider.refunds WHERE charge_reference = @p", new { p = paid.ToString() }));
        Assert.Equal(0, await LedgerQueries.UnbalancedTransactionsAsync(fixture.Database));
    }

    private async Task<Guid> InitialPaymentAsync(string subscriptionId)
    {
        await using var connection = await fixture.Database.OpenConnectionAsync(Ct);
        return await Dapper.SqlMapper.ExecuteScalarAsync<Guid>(connection,
            "SELECT payment_id FROM subscription_charges WHERE subscription_id = @s AND kind = 'initial'", new { s = Guid.Parse(subscriptionId) });
    }

    private Task<long> ChargesAsync(string card, string? status = null) => LedgerQueries.CountAsync(fixture.Database,
        "SELECT count(*) FROM payments WHERE payment_method_id = @m AND (@status::text IS NULL OR status = @status)", new { m = Guid.Parse(card), status });

    private Task<long> SucceededChargesAsync(string card) => LedgerQueries.CountAsync(fixture.Database,
        "SELECT count(*) FROM payments WHERE payment_method_id = @m AND status = 'succeeded'", new { m = Guid.Parse(card) });
}
