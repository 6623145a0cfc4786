using Mesh.Booking.V1;
using Mesh.Testing;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>Booking gives payment a minute per charge: longer than the checkout caller below allows.</summary>
public sealed class LongPaymentCallFixture(TestServers servers) : CheckoutFixture(servers)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    protected override TimeSpan PaymentCallTimeout => Timeout;
}

/// <summary>
/// The charge is not bound to the checkout caller's deadline (booking's payment client does not propagate the call
/// context): payment gets booking's own Booking:PaymentCallTimeout, so a caller who gives up does not cut the charge short.
/// </summary>
public sealed class PaymentCallDeadlineTests(LongPaymentCallFixture fixture) : IClassFixture<LongPaymentCallFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Payment_gets_bookings_own_deadline_not_the_checkout_callers()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var hold = await fixture.HoldAsync(alice, show, seats[0]);

        var callerDeadline = DateTime.UtcNow.AddSeconds(30);
        var booking = await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId },
            alice.WithKey("k"), deadline: callerDeadline, cancellationToken: Ct);
        Assert.Equal(BookingStatus.Confirmed, booking.Status);

        // Booking called payment after the caller set its deadline, with a minute of its own: 30 s or more past the
        // caller's. Propagated, it would be the caller's, give or take the grpc-timeout header's rounding and transit.
        var seen = fixture.PaymentCallDeadlines[booking.Id];
        Assert.True(seen >= callerDeadline + TimeSpan.FromSeconds(15),
            $"payment saw the deadline {seen:O}; the caller's was {callerDeadline:O}");
    }
}
