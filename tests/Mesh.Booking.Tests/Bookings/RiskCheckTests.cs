using Dapper;
using Mesh.Analytics.V1;
using Mesh.Booking.V1;
using Npgsql;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>Analytics down: holds and checkouts go ahead (fail open), and booking logs that it did not check.</summary>
public sealed class AnalyticsDownTests(AnalyticsDownFixture fixture) : IClassFixture<AnalyticsDownFixture>
{
    [Fact]
    public async Task A_booking_completes_and_each_unchecked_step_is_logged()
    {
        var (show, seats) = fixture.AddShow();
        var customer = await fixture.NewCustomerAsync();

        var booking = await fixture.BookAsync(customer, show, seats[0]);

        Assert.Equal(BookingStatus.Confirmed, booking.Status);
        var failOpen = fixture.Logs.Lines.Where(l => l.Contains("Fail open: CheckRisk for", StringComparison.Ordinal)).ToList();
        Assert.Contains(failOpen, l => l.Contains($"CheckRisk for Hold of user {customer.Id}", StringComparison.Ordinal));
        Assert.Contains(failOpen, l => l.Contains($"CheckRisk for Checkout of user {customer.Id}", StringComparison.Ordinal));
    }
}

/// <summary>Booking's side of CheckRisk: BLOCK refuses with FAILED_PRECONDITION RISK_BLOCKED and writes nothing; a slow answer fails open.</summary>
public sealed class RiskCheckTests(ScriptedAnalyticsFixture fixture) : IClassFixture<ScriptedAnalyticsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<long> HoldsOfAsync(string userId)
    {
        await using var connection = new NpgsqlConnection(fixture.BookingDb);
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM holds WHERE user_id = @userId", new { userId });
    }

    [Fact]
    public async Task A_blocked_hold_is_refused_with_the_reasons_and_nothing_is_held()
    {
        var (show, seats) = fixture.AddShow();
        var customer = await fixture.NewCustomerAsync();
        fixture.Analytics.Blocked[(customer.Id, RiskAction.Hold)] = "SEAT_HOARDING";

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.HoldAsync(customer, show, seats[0]));

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("RISK_BLOCKED", Support.Errors.Reason(e));
        Assert.Contains("SEAT_HOARDING", e.Status.Detail);
        Assert.Equal(0, await HoldsOfAsync(customer.Id));
        var call = fixture.Analytics.Calls.Last(c => c.UserId == customer.Id);
        Assert.Equal($"shows/{show}", call.Item);
    }

    [Fact]
    public async Task A_blocked_checkout_is_refused_and_the_hold_stays_unbooked()
    {
        var (show, seats) = fixture.AddShow();
        var customer = await fixture.NewCustomerAsync();
        fixture.Analytics.Blocked[(customer.Id, RiskAction.Checkout)] = "CARD_TESTING";
        var hold = await fixture.HoldAsync(customer, show, seats[0]);

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Client.CheckoutAsync(
            new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = customer.CardId }, customer.WithKey(Guid.NewGuid().ToString()), cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("RISK_BLOCKED", Support.Errors.Reason(e));
        await using var connection = new NpgsqlConnection(fixture.BookingDb);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM bookings WHERE user_id = @id", new { id = customer.Id }));
    }

    [Fact]
    public async Task An_answer_slower_than_the_deadline_lets_the_booking_through_and_is_logged()
    {
        var (show, seats) = fixture.AddShow();
        var customer = await fixture.NewCustomerAsync();
        fixture.Analytics.Slow[customer.Id] = true;
        fixture.Analytics.Blocked[(customer.Id, RiskAction.Hold)] = "HOLD_VELOCITY";   // too late to count

        var booking = await fixture.BookAsync(customer, show, seats[0]);

        Assert.Equal(BookingStatus.Confirmed, booking.Status);
        Assert.Contains(fixture.Logs.Lines, l => l.Contains($"Fail open: CheckRisk for Hold of user {customer.Id} got no answer (DeadlineExceeded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_allowed_customer_books_with_the_checks_asked()
    {
        var (show, seats) = fixture.AddShow();
        var customer = await fixture.NewCustomerAsync();

        var booking = await fixture.BookAsync(customer, show, seats[0]);

        Assert.Equal(BookingStatus.Confirmed, booking.Status);
        Assert.Equal([RiskAction.Hold, RiskAction.Checkout], fixture.Analytics.Calls.Where(c => c.UserId == customer.Id).Select(c => c.Action));
    }
}
