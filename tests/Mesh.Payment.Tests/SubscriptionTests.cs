using Mesh.Payment.Provider;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;

namespace Mesh.Payment.Tests;

/// <summary>Subscriptions on the test clock: trial → active → renewal → failed renewal → dunning → canceled; cancel; ownership.</summary>
public sealed class SubscriptionTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<Subscription> OnlyAsync(TestCaller caller) =>
        Assert.Single((await fixture.Client.ListSubscriptionsAsync(new ListSubscriptionsRequest(), caller.Bearer, cancellationToken: Ct)).Subscriptions);

    private async Task<Subscription> AtPeriodEndAsync(TestCaller caller, TimeSpan after = default)
    {
        var current = await OnlyAsync(caller);
        fixture.Clock.AdvanceTo(current.CurrentPeriodEnd.ToDateTimeOffset() + after);
        await fixture.Maintenance.RunOnceAsync(Ct);
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

        fixture.Provider.ChangeBehavior(await TokenOfAsync(card), CardBehavior.InsufficientFunds);
        var pastDue = await AtPeriodEndAsync(caller);
        Assert.Equal((SubscriptionStatus.PastDue, 1), (pastDue.Status, pastDue.FailedAttempts));
        var periodEnd = pastDue.CurrentPeriodEnd.ToDateTimeOffset();

        foreach (var (day, attempts) in new[] { (1, 2), (3, 3) })
        {
            fixture.Clock.AdvanceTo(periodEnd.AddDays(day));
            await fixture.Maintenance.RunOnceAsync(Ct);
            var dunning = await OnlyAsync(caller);
            Assert.Equal((SubscriptionStatus.PastDue, attempts), (dunning.Status, dunning.FailedAttempts));
        }
        fixture.Clock.AdvanceTo(periodEnd.AddDays(7));
        await fixture.Maintenance.RunOnceAsync(Ct);
        var canceled = await OnlyAsync(caller);
        Assert.Equal((SubscriptionStatus.Canceled, 4), (canceled.Status, canceled.FailedAttempts));

        fixture.Clock.Advance(TimeSpan.FromDays(60));
        await fixture.Maintenance.RunOnceAsync(Ct);
        Assert.Equal(SubscriptionStatus.Canceled, (await OnlyAsync(caller)).Status);
        Assert.Equal(2, await SucceededChargesAsync(card));
        Assert.Equal(4, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM payments WHERE payment_method_id = @m AND status = 'failed'", new { m = Guid.Parse(card) }));
        Assert.Equal(0, await LedgerQueries.UnbalancedTransactionsAsync(fixture.Database));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'subscription.canceled' AND convert_from(body, 'UTF8')::jsonb->>'SubscriptionId' = @s", new { s = trial.Id }));
        Assert.Equal(2, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'subscription.renewed' AND convert_from(body, 'UTF8')::jsonb->>'SubscriptionId' = @s", new { s = trial.Id }));
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

    private Task<long> SucceededChargesAsync(string card) => LedgerQueries.CountAsync(fixture.Database,
        "SELECT count(*) FROM payments WHERE payment_method_id = @m AND status = 'succeeded'", new { m = Guid.Parse(card) });

    private async Task<string> TokenOfAsync(string card)
    {
        await using var connection = await fixture.Database.OpenConnectionAsync(Ct);
        return await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection, "SELECT provider_token FROM payment_methods WHERE id = @id", new { id = Guid.Parse(card) }) ?? "";
    }
}
