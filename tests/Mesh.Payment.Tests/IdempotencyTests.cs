using Google.Protobuf;
using Mesh.Payment.Charges;
using Mesh.Payment.Idempotency;
using Mesh.Payment.Provider;
using Microsoft.Extensions.DependencyInjection;
using Mesh.Payment.Tests.Support;
using Mesh.Payment.V1;

namespace Mesh.Payment.Tests;

/// <summary>Stripe-like idempotency keys: one charge per key, the stored answer for repeats, a refusal for a changed request.</summary>
public sealed class IdempotencyTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fifty_concurrent_requests_with_one_key_charge_once_and_get_identical_answers()
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller);
        var request = new CreatePaymentRequest { PaymentMethodId = method, Amount = 4_200, Currency = "EUR", Capture = true, Description = "tickets" };
        var key = $"k-{Guid.NewGuid():N}";
        var before = fixture.Provider.Authorizations;

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
            await fixture.Client.CreatePaymentAsync(request, caller.WithKey(key), cancellationToken: Ct)));

        var first = responses[0].ToByteArray();
        Assert.All(responses, r => Assert.Equal(first, r.ToByteArray()));
        Assert.Equal(PaymentStatus.Succeeded, responses[0].Status);
        Assert.Equal(before + 1, fixture.Provider.Authorizations);
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM payments WHERE payment_method_id = @m", new { m = Guid.Parse(method) }));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database,
            "SELECT count(*) FROM ledger_transactions WHERE payment_id = @p", new { p = Guid.Parse(responses[0].Id) }));
    }

    [Fact]
    public async Task The_same_key_with_a_different_amount_is_refused_and_charges_nothing()
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller);
        var key = $"k-{Guid.NewGuid():N}";
        var paid = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = method, Amount = 1_000, Currency = "USD", Capture = true },
            caller.WithKey(key), cancellationToken: Ct);
        var before = fixture.Provider.Authorizations;

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CreatePaymentAsync(
            new CreatePaymentRequest { PaymentMethodId = method, Amount = 2_000, Currency = "USD", Capture = true }, caller.WithKey(key), cancellationToken: Ct));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", error.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);
        Assert.Equal(before, fixture.Provider.Authorizations);
        // The original answer is still what the key returns.
        var again = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = method, Amount = 1_000, Currency = "USD", Capture = true },
            caller.WithKey(key), cancellationToken: Ct);
        Assert.Equal(paid, again);
    }

    [Fact]
    public async Task A_stored_decline_is_returned_again_without_asking_the_provider()
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller, TestCards.Declined);
        var key = $"k-{Guid.NewGuid():N}";
        var request = new CreatePaymentRequest { PaymentMethodId = method, Amount = 500, Currency = "EUR", Capture = true };
        var first = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CreatePaymentAsync(request, caller.WithKey(key), cancellationToken: Ct));
        var before = fixture.Provider.Authorizations;

        var second = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CreatePaymentAsync(request, caller.WithKey(key), cancellationToken: Ct));

        Assert.Equal(StatusCode.FailedPrecondition, second.StatusCode);
        Assert.Equal(first.GetRpcStatus(), second.GetRpcStatus());
        Assert.Equal(before, fixture.Provider.Authorizations);
    }

    [Fact]
    public async Task Keys_belong_to_their_caller_and_without_a_key_each_request_is_new()
    {
        var alice = fixture.NewCaller();
        var bob = fixture.NewCaller();
        var aliceCard = await fixture.AddCardAsync(alice);
        var bobCard = await fixture.AddCardAsync(bob);
        var key = $"shared-{Guid.NewGuid():N}";
        var a = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = aliceCard, Amount = 100, Currency = "EUR", Capture = true }, alice.WithKey(key), cancellationToken: Ct);
        var b = await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = bobCard, Amount = 100, Currency = "EUR", Capture = true }, bob.WithKey(key), cancellationToken: Ct);
        Assert.NotEqual(a.Id, b.Id);

        var request = new CreatePaymentRequest { PaymentMethodId = aliceCard, Amount = 100, Currency = "EUR", Capture = true };
        var one = await fixture.Client.CreatePaymentAsync(request, alice.Bearer, cancellationToken: Ct);
        var two = await fixture.Client.CreatePaymentAsync(request, alice.Bearer, cancellationToken: Ct);
        Assert.NotEqual(one.Id, two.Id);
    }

    [Fact]
    public async Task Keys_are_kept_for_at_least_24_hours()
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller);
        var key = $"k-{Guid.NewGuid():N}";
        await fixture.Client.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = method, Amount = 100, Currency = "EUR", Capture = true }, caller.WithKey(key), cancellationToken: Ct);

        var lifetime = await LedgerQueries.CountAsync(fixture.Database,
            "SELECT extract(epoch FROM expire_time - create_time)::bigint FROM idempotency_keys WHERE user_id = @u AND key = @key", new { u = caller.Id, key });
        Assert.True(lifetime >= 24 * 3600, $"kept {lifetime} s");
        await fixture.Maintenance.RunOnceAsync(Ct); // purges only expired keys
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM idempotency_keys WHERE user_id = @u AND key = @key", new { u = caller.Id, key }));
    }

    [Fact]
    public async Task A_retry_after_a_crash_between_the_provider_charge_and_the_commit_does_not_charge_again()
    {
        var caller = fixture.NewCaller();
        var method = await fixture.AddCardAsync(caller);
        var key = $"k-{Guid.NewGuid():N}";
        var request = new CreatePaymentRequest { PaymentMethodId = method, Amount = 6_100, Currency = "EUR", Capture = true };
        var calls = fixture.Services.GetRequiredService<IdempotentCalls>();
        var processor = fixture.Services.GetRequiredService<PaymentProcessor>();
        var before = fixture.Provider.Authorizations;

        // The first try reaches the provider, which charges, and then dies before its transaction commits.
        await Assert.ThrowsAsync<IOException>(async () => await calls.RunAsync(caller.Id, key, "CreatePayment", request, V1.Payment.Parser, async (unit, reference) =>
        {
            await processor.CreateAsync(unit, caller.Id, reference, new CreatePaymentCommand(Guid.Parse(method), 6_100, "EUR", true, ""), Ct);
            throw new IOException("the process died");
        }, Ct));
        Assert.Equal(before + 1, fixture.Provider.Authorizations);
        Assert.Equal(0, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM payments WHERE payment_method_id = @m", new { m = Guid.Parse(method) }));

        // The client retries with its key: the provider recognises the reference; nothing is charged twice.
        var retried = await fixture.Client.CreatePaymentAsync(request, caller.WithKey(key), cancellationToken: Ct);
        Assert.Equal(PaymentStatus.Succeeded, retried.Status);
        Assert.Equal(before + 1, fixture.Provider.Authorizations);
        Assert.Equal(6_100, await fixture.Provider.NetOfAsync(retried.Id));
        Assert.Equal(1, await LedgerQueries.CountAsync(fixture.Database, "SELECT count(*) FROM ledger_transactions WHERE payment_id = @p", new { p = Guid.Parse(retried.Id) }));
    }
}
