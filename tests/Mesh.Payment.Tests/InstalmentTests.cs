using Mesh.Payment.Provider;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;

namespace Mesh.Payment.Tests;

/// <summary>
/// Instalment plans on the test clock: the first instalment now, the others through the charge-task queue every
/// interval; a failed instalment is retried on the dunning schedule with the user notified, and the plan completes
/// (the parts add up to the total) or defaults when every try fails.
/// </summary>
public sealed class InstalmentTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<InstalmentPlan> PlanAsync(TestCaller caller, string id) =>
        (await fixture.Client.ListInstalmentPlansAsync(new ListInstalmentPlansRequest(), caller.Bearer, cancellationToken: Ct)).InstalmentPlans.Single(p => p.Id == id);

    private async Task<InstalmentPlan> AtNextChargeAsync(TestCaller caller, string id, TimeSpan after = default)
    {
        fixture.Clock.AdvanceTo((await PlanAsync(caller, id)).NextChargeTime.ToDateTimeOffset() + after);
        await fixture.BillAsync();
        return await PlanAsync(caller, id);
    }

    private Task<long> PaidAsync(string card) => LedgerQueries.CountAsync(fixture.Database,
        "SELECT coalesce(sum(amount_captured), 0)::bigint FROM payments WHERE payment_method_id = @m", new { m = Guid.Parse(card) });

    private Task<long> NotificationsAsync(TestCaller caller, string kind) => LedgerQueries.CountAsync(fixture.Database, """
        SELECT count(*) FROM mesh_outbox WHERE type = 'notification.requested'
        AND convert_from(body, 'UTF8')::jsonb->>'UserId' = @u AND convert_from(body, 'UTF8')::jsonb->>'Kind' = @kind
        """, new { u = caller.Id.ToString(), kind });

    [Fact]
    public async Task Instalments_are_charged_on_schedule_a_failed_one_is_retried_and_the_plan_completes()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var plan = await fixture.Client.CreateInstalmentPlanAsync(new CreateInstalmentPlanRequest
        {
            PaymentMethodId = card, TotalAmount = 1_000, Currency = "eur", Instalments = 3, Interval = Interval.Month, Description = "sofa",
        }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal((InstalmentPlanStatus.Active, 1, "EUR"), (plan.Status, plan.InstalmentsPaid, plan.Currency));
        Assert.Equal(334, await PaidAsync(card)); // the first instalment takes the remainder: 334 + 333 + 333

        await fixture.Maintenance.RunOnceAsync(Ct);
        Assert.Equal(1, (await PlanAsync(caller, plan.Id)).InstalmentsPaid); // nothing due yet
        var second = await AtNextChargeAsync(caller, plan.Id);
        Assert.Equal((InstalmentPlanStatus.Active, 2), (second.Status, second.InstalmentsPaid));
        Assert.Equal(667, await PaidAsync(card));

        await fixture.Provider.ChangeBehaviorAsync(await fixture.TokenOfAsync(card), CardBehavior.InsufficientFunds);
        var failed = await AtNextChargeAsync(caller, plan.Id);
        Assert.Equal((InstalmentPlanStatus.PastDue, 2, 1), (failed.Status, failed.InstalmentsPaid, failed.FailedAttempts));
        Assert.Equal(second.NextChargeTime.ToDateTime().AddDays(1), failed.NextChargeTime.ToDateTime());
        Assert.Equal(1, await NotificationsAsync(caller, "payment_failed"));

        await fixture.Provider.ChangeBehaviorAsync(await fixture.TokenOfAsync(card), CardBehavior.Succeeds);
        var completed = await AtNextChargeAsync(caller, plan.Id);
        Assert.Equal((InstalmentPlanStatus.Completed, 3, 0), (completed.Status, completed.InstalmentsPaid, completed.FailedAttempts));
        Assert.Null(completed.NextChargeTime);
        Assert.Equal(1_000, await PaidAsync(card));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM mesh_outbox WHERE type = 'instalment_plan.completed' AND convert_from(body, 'UTF8')::jsonb->>'InstalmentPlanId' = @p", new { p = plan.Id }));

        fixture.Clock.Advance(TimeSpan.FromDays(400));
        await fixture.BillAsync();
        Assert.Equal(1_000, await PaidAsync(card)); // nothing after the last instalment
    }

    [Fact]
    public async Task A_plan_whose_instalment_fails_every_try_defaults_and_bad_plans_are_refused()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var plan = await fixture.Client.CreateInstalmentPlanAsync(new CreateInstalmentPlanRequest
        {
            PaymentMethodId = card, TotalAmount = 9_000, Currency = "EUR", Instalments = 2, Interval = Interval.Year,
        }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(plan.CreateTime.ToDateTime().AddYears(1), plan.NextChargeTime.ToDateTime());
        await fixture.Provider.ChangeBehaviorAsync(await fixture.TokenOfAsync(card), CardBehavior.Declines);

        var due = plan.NextChargeTime.ToDateTimeOffset();
        foreach (var (day, attempts) in new[] { (0, 1), (1, 2), (3, 3) })
        {
            fixture.Clock.AdvanceTo(due.AddDays(day));
            await fixture.BillAsync();
            var dunning = await PlanAsync(caller, plan.Id);
            Assert.Equal((InstalmentPlanStatus.PastDue, attempts), (dunning.Status, dunning.FailedAttempts));
        }
        fixture.Clock.AdvanceTo(due.AddDays(7));
        await fixture.BillAsync();
        var defaulted = await PlanAsync(caller, plan.Id);
        Assert.Equal((InstalmentPlanStatus.Defaulted, 1, 4), (defaulted.Status, defaulted.InstalmentsPaid, defaulted.FailedAttempts));
        Assert.Equal(4_500, await PaidAsync(card));
        Assert.Equal(3, await NotificationsAsync(caller, "payment_failed"));
        Assert.Equal(1, await NotificationsAsync(caller, "instalment_plan_defaulted"));
        Assert.Equal(4, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM charge_tasks WHERE instalment_plan_id = @p", new { p = Guid.Parse(plan.Id) }));

        var declined = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CreateInstalmentPlanAsync(new CreateInstalmentPlanRequest
        {
            PaymentMethodId = card, TotalAmount = 900, Currency = "EUR", Instalments = 3,
        }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, declined.StatusCode);
        Assert.Single((await fixture.Client.ListInstalmentPlansAsync(new ListInstalmentPlansRequest(), caller.Bearer, cancellationToken: Ct)).InstalmentPlans);
        var bad = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CreateInstalmentPlanAsync(new CreateInstalmentPlanRequest
        {
            PaymentMethodId = card, TotalAmount = 900, Currency = "EUR", Instalments = 1,
        }, caller.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains(bad.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations, v => v.Field == "instalments");
    }
    [Fact]
    public async Task An_instalment_left_processing_is_not_retried_until_it_settles_and_a_processing_first_one_waits_too()
    {
        var caller = fixture.NewCaller();
        var card = await fixture.AddCardAsync(caller);
        var plan = await fixture.Client.CreateInstalmentPlanAsync(new CreateInstalmentPlanRequest
        {
            PaymentMethodId = card, TotalAmount = 3_000, Currency = "EUR", Instalments = 3, Interval = Interval.Month,
        }, caller.Bearer, cancellationToken: Ct);
        await fixture.Provider.ChangeBehaviorAsync(await fixture.TokenOfAsync(card), CardBehavior.TimesOut); // charges, answer lost

        var due = plan.NextChargeTime.ToDateTimeOffset();
        foreach (var day in new[] { 0, 1, 3, 7, 8 })
        {
            fixture.Clock.AdvanceTo(due.AddDays(day).AddMinutes(1));
            await fixture.ScheduleWithoutSettlingAsync();
            var waiting = await PlanAsync(caller, plan.Id);
            Assert.Equal((InstalmentPlanStatus.Active, 1, 0), (waiting.Status, waiting.InstalmentsPaid, waiting.FailedAttempts));
        }
        Assert.Equal(2, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM payments WHERE payment_method_id = @m", new { m = Guid.Parse(card) }));
        Assert.Equal(0, await NotificationsAsync(caller, "payment_failed"));

        await fixture.Maintenance.RunOnceAsync(Ct); // settles as captured
        var paid = await PlanAsync(caller, plan.Id);
        Assert.Equal((InstalmentPlanStatus.Active, 2, 0), (paid.Status, paid.InstalmentsPaid, paid.FailedAttempts));
        Assert.Equal(due.UtcDateTime.AddMonths(1), paid.NextChargeTime.ToDateTime());
        Assert.Equal(2_000, await PaidAsync(card));

        // A first instalment left processing: an INCOMPLETE plan, nothing scheduled, until it settles.
        var other = await fixture.AddCardAsync(caller, TestCards.Timeout);
        var pending = await fixture.Client.CreateInstalmentPlanAsync(new CreateInstalmentPlanRequest
        {
            PaymentMethodId = other, TotalAmount = 1_000, Currency = "EUR", Instalments = 2, Interval = Interval.Month,
        }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal((InstalmentPlanStatus.Incomplete, 0, null), (pending.Status, pending.InstalmentsPaid, pending.NextChargeTime));
        await fixture.Maintenance.RunOnceAsync(Ct);
        var started = await PlanAsync(caller, pending.Id);
        Assert.Equal((InstalmentPlanStatus.Active, 1), (started.Status, started.InstalmentsPaid));
        Assert.Equal(pending.CreateTime.ToDateTime().AddMonths(1), started.NextChargeTime.ToDateTime());
        Assert.Equal(500, await PaidAsync(other));
    }
}
