using Mesh.Payment.Charges;
using Mesh.Payment.Idempotency;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Payment.Tests;

/// <summary>
/// The simulated provider keeps its records in paymentdb (schema sandbox_provider): after a restart of the service the
/// provider still knows its charges, so settling and reconciliation keep working; and reconciliation finds a provider
/// charge that has no payment row (charged, then a crash before the commit of a request without an idempotency key).
/// </summary>
public sealed class ProviderRecordTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Provider_records_survive_a_restart_and_an_unrecorded_charge_is_reported()
    {
        var caller = fixture.NewCaller();
        var admin = fixture.NewCaller("admin");
        var card = await fixture.AddCardAsync(caller);
        var paid = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = card, Amount = 2_500, Currency = "EUR", Capture = true }, caller.Bearer, cancellationToken: Ct);
        await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = paid.Id, Amount = 400 }, fixture.NewSupportAgent().Bearer, cancellationToken: Ct);
        var held = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = card, Amount = 900, Currency = "EUR", Capture = false }, caller.Bearer, cancellationToken: Ct);

        // A request without a key reaches the provider, which charges, and the process dies before its commit.
        var calls = fixture.Services.GetRequiredService<IdempotentCalls>();
        var processor = fixture.Services.GetRequiredService<PaymentProcessor>();
        var lost = Guid.Empty;
        await Assert.ThrowsAsync<IOException>(async () => await calls.RunAsync(caller.Id, null, "CreatePayment", new CreatePaymentRequest(), V1.Payment.Parser, async (unit, reference) =>
        {
            lost = reference;
            await processor.CreateAsync(unit, caller.Id, reference, new CreatePaymentCommand(Guid.Parse(card), 777, "EUR", true, ""), Ct);
            throw new IOException("the process died");
        }, Ct));

        await fixture.RestartAsync();

        Assert.Equal(2_100, await fixture.Provider.NetOfAsync(paid.Id));
        var captured = await fixture.Client.CapturePaymentAsync(new CapturePaymentRequest { Id = held.Id }, caller.Bearer, cancellationToken: Ct); // the new process finds the authorization
        Assert.Equal(PaymentStatus.Succeeded, captured.Status);
        var fresh = await fixture.Client.GetReconciliationReportAsync(new GetReconciliationReportRequest(), admin.Bearer, cancellationToken: Ct);
        Assert.Empty(fresh.Mismatches); // the lost charge is younger than the grace period: its request might still commit

        fixture.Clock.Advance(TimeSpan.FromHours(1));
        var report = await fixture.Client.GetReconciliationReportAsync(new GetReconciliationReportRequest(), admin.Bearer, cancellationToken: Ct);
        var mismatch = Assert.Single(report.Mismatches);
        Assert.Equal(lost.ToString(), mismatch.PaymentId);
        Assert.Contains("has no payment", mismatch.Problem);
        Assert.Equal(2, report.PaymentsChecked); // the lost charge never became a payment
    }
}
