using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;

namespace Mesh.Payment.Tests;

/// <summary>A caller sees and acts on only their own payment methods and payments; anonymous callers nothing.</summary>
public sealed class OwnershipTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Another_users_methods_and_payments_are_invisible_and_untouchable()
    {
        var alice = fixture.NewCaller();
        var mallory = fixture.NewCaller();
        var card = await fixture.AddCardAsync(alice);
        var paid = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = card, Amount = 1_000, Currency = "EUR", Capture = true }, alice.Bearer, cancellationToken: Ct);
        var held = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = card, Amount = 1_000, Currency = "EUR", Capture = false }, alice.Bearer, cancellationToken: Ct);

        Assert.Empty((await fixture.Client.ListPaymentMethodsAsync(new ListPaymentMethodsRequest(), mallory.Bearer, cancellationToken: Ct)).PaymentMethods);
        async Task NotFound(Func<Task> call) => Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);
        await NotFound(async () => await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = paid.Id }, mallory.Bearer, cancellationToken: Ct));
        var refund = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = paid.Id }, mallory.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.PermissionDenied, refund.StatusCode); // refunds are staff-only
        await NotFound(async () => await fixture.Client.CapturePaymentAsync(new CapturePaymentRequest { Id = held.Id }, mallory.Bearer, cancellationToken: Ct));
        await NotFound(async () => await fixture.Client.VoidPaymentAsync(new VoidPaymentRequest { Id = held.Id }, mallory.Bearer, cancellationToken: Ct));
        await NotFound(async () => await fixture.Client.CreatePaymentAsync(
            new CreatePaymentRequest { PaymentMethodId = card, Amount = 1, Currency = "EUR", Capture = true }, mallory.Bearer, cancellationToken: Ct));

        var after = await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = paid.Id }, alice.Bearer, cancellationToken: Ct);
        Assert.Equal(0, after.AmountRefunded);
        Assert.Single((await fixture.Client.ListPaymentMethodsAsync(new ListPaymentMethodsRequest(), alice.Bearer, cancellationToken: Ct)).PaymentMethods);
    }

    [Fact]
    public async Task Anonymous_and_forged_callers_are_unauthenticated()
    {
        var anonymous = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ListPaymentMethodsAsync(new ListPaymentMethodsRequest(), cancellationToken: Ct));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);

        var forged = new TestTokens().Issue(Guid.NewGuid()); // signed by a key the service does not trust
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ListPaymentMethodsAsync(new ListPaymentMethodsRequest(), new Metadata { { "authorization", $"Bearer {forged}" } }, cancellationToken: Ct));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }
}
