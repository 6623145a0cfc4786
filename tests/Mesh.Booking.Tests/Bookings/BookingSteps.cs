using Mesh.Booking.V1;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>Steps many booking tests share: hold seats and check out, as a customer.</summary>
public static class BookingSteps
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<Hold> HoldAsync(this CheckoutFixture fixture, Customer customer, string showId, params string[] seats)
    {
        var request = new CreateHoldRequest { ShowId = showId };
        request.SeatIds.AddRange(seats);
        return await fixture.Client.CreateHoldAsync(request, customer.Bearer, cancellationToken: Ct);
    }

    /// <summary>Holds the seats and checks them out; returns the booking as Checkout answered it.</summary>
    public static async Task<BookingRecord> BookAsync(this CheckoutFixture fixture, Customer customer, string showId, params string[] seats)
    {
        var hold = await fixture.HoldAsync(customer, showId, seats);
        return await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = customer.CardId },
            customer.WithKey(Guid.NewGuid().ToString()), cancellationToken: Ct);
    }

    /// <summary>Moves the booking clock to <paramref name="instant"/> (never backwards).</summary>
    public static void MoveClockTo(this CheckoutFixture fixture, DateTime instant)
    {
        var by = instant - fixture.Clock.GetUtcNow().UtcDateTime;
        Assert.True(by >= TimeSpan.Zero, "the test clock only moves forward");
        fixture.Clock.Advance(by);
    }
}
