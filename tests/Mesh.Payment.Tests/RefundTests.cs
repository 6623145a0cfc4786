using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;

namespace Mesh.Payment.Tests;

/// <summary>
/// Refunds (a staff action): full or partial up to what was captured, several partials, concurrent partials never
/// beyond the total, idempotent; customers — even the payment's owner — are refused.
/// </summary>
public sealed class RefundTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestCaller Caller, V1.Payment Payment)> PaidAsync(long amount, bool capture = true)
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller);
        var payment = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = method, Amount = amount, Currency = "EUR", Capture = capture },
            caller.Bearer, cancellationToken: Ct);
        return (caller, payment);
    }

    [Fact]
    public async Task Several_partial_refunds_up_to_the_captured_amount_then_no_more()
    {
        var (caller, payment) = await PaidAsync(1_000);
        var staff = fixture.NewSupportAgent();
        await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = payment.Id, Amount = 300 }, staff.Bearer, cancellationToken: Ct);
        await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = payment.Id, Amount = 200 }, staff.Bearer, cancellationToken: Ct);

        var tooMuch = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = payment.Id, Amount = 501 }, staff.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, tooMuch.StatusCode);

        var rest = await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = payment.Id, Amount = 0 }, staff.Bearer, cancellationToken: Ct);
        Assert.Equal(500, rest.Amount);
        var none = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = payment.Id, Amount = 1 }, staff.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, none.StatusCode);

        var after = await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = payment.Id }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(1_000, after.AmountRefunded);
        Assert.Equal(0, await fixture.Provider.NetOfAsync(payment.Id));
    }

    [Fact]
    public async Task A_customer_cannot_refund_even_their_own_payment()
    {
        var (caller, payment) = await PaidAsync(1_200);
        foreach (var who in new[] { caller, fixture.NewCaller(), fixture.NewCaller("partner") })
        {
            var denied = await Assert.ThrowsAsync<RpcException>(async () =>
                await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = payment.Id }, who.Bearer, cancellationToken: Ct));
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        }
        var after = await fixture.Client.GetPaymentAsync(new GetPaymentRequest { Id = payment.Id }, caller.Bearer, cancellationToken: Ct);
        Assert.Equal(0, after.AmountRefunded);
        Assert.Equal(1_200, await fixture.Provider.NetOfAsync(payment.Id));

        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = Guid.NewGuid().ToString() }, fixture.NewSupportAgent().Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_provider_rejects_a_refund_reference_reused_for_another_amount()
    {
        var (_, payment) = await PaidAsync(900);
        var refundReference = Guid.NewGuid().ToString();
        await fixture.Provider.RefundAsync(payment.Id, refundReference, 300, Ct);
        await fixture.Provider.RefundAsync(payment.Id, refundReference, 300, Ct); // the same refund again: deduped
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await fixture.Provider.RefundAsync(payment.Id, refundReference, 400, Ct));
        Assert.Equal(600, await fixture.Provider.NetOfAsync(payment.Id));
    }

    [Fact]
    public async Task Concurrent_partial_refunds_never_exceed_the_total()
    {
        var (_, payment) = await PaidAsync(1_000);
        var staff = fixture.NewSupportAgent();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 25).Select(async _ =>
        {
            try
            {
                return (await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = payment.Id, Amount = 100 }, staff.Bearer, cancellationToken: Ct)).Amount;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
            {
                return 0L;
            }
        }));

        Assert.Equal(10, outcomes.Count(a => a == 100));
        var rows = await LedgerQueries.PaymentsAsync(fixture.Database, [Guid.Parse(payment.Id)]);
        var row = Assert.Single(rows);
        Assert.Equal((1_000L, 1_000L), (row.AmountRefunded, row.Refunds));
        Assert.Equal(0, row.Clearing);
    }

    [Fact]
    public async Task A_refund_repeated_with_its_key_refunds_once()
    {
        var (_, payment) = await PaidAsync(800);
        var staff = fixture.NewCaller("customer", "admin");
        var key = $"r-{Guid.NewGuid():N}";
        var request = new CreateRefundRequest { Id = payment.Id, Amount = 300, Reason = "late" };
        var first = await fixture.Client.CreateRefundAsync(request, staff.WithKey(key), cancellationToken: Ct);
        var second = await fixture.Client.CreateRefundAsync(request, staff.WithKey(key), cancellationToken: Ct);
        Assert.Equal(first, second);
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM refunds WHERE payment_id = @p", new { p = Guid.Parse(payment.Id) }));
    }

    [Fact]
    public async Task Uncaptured_payments_cannot_be_refunded_and_the_database_refuses_over_refunds()
    {
        var (_, held) = await PaidAsync(500, capture: false);
        var staff = fixture.NewSupportAgent();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CreateRefundAsync(new CreateRefundRequest { Id = held.Id, Amount = 100 }, staff.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);

        // Even a writer that skips the code's checks cannot refund beyond what was captured.
        var (_, paid) = await PaidAsync(500);
        await Assert.ThrowsAsync<Npgsql.PostgresException>(async () => await LedgerQueries.CountAsync(fixture.Database,
            "UPDATE payments SET amount_refunded = 501 WHERE id = @p", new { p = Guid.Parse(paid.Id) }));
    }

    [Fact]
    public async Task An_unbalanced_ledger_transaction_cannot_be_committed()
    {
        var (_, paid) = await PaidAsync(500);
        await using var connection = await fixture.Database.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        var id = Guid.NewGuid();
        await Dapper.SqlMapper.ExecuteAsync(connection,
            "INSERT INTO ledger_transactions (id, payment_id, kind, currency, create_time) VALUES (@id, @p, 'refund', 'EUR', now())",
            new { id, p = Guid.Parse(paid.Id) }, transaction);
        await Dapper.SqlMapper.ExecuteAsync(connection,
            "INSERT INTO ledger_entries (transaction_id, account, amount) VALUES (@id, 'provider_clearing', -10)", new { id }, transaction);
        await Assert.ThrowsAsync<Npgsql.PostgresException>(async () => await transaction.CommitAsync(Ct));
    }
}
