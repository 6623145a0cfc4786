using Mesh.Booking.V1;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>Signed ticket codes: valid only for a CONFIRMED booking's ticket; forged or cancelled ones are not; only partners and admins check.</summary>
public sealed class TicketTests(CheckoutFixture fixture) : IClassFixture<CheckoutFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_venue_verifies_tickets_and_spots_forged_and_cancelled_ones()
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var venue = await fixture.NewCustomerAsync(roles: "partner");
        var booking = await fixture.BookAsync(alice, show, seats[0], seats[1]);
        var ticket = booking.Tickets[1];

        var ok = await fixture.Client.VerifyTicketAsync(new VerifyTicketRequest { Code = ticket.Code }, venue.Bearer, cancellationToken: Ct);
        Assert.True(ok.Valid);
        Assert.Equal((booking.Id, ticket.Id, show, booking.StartsAt), (ok.BookingId, ok.TicketId, ok.ShowId, ok.StartsAt));
        Assert.Equal($"{ticket.Row}{ticket.Label}", ok.SeatLabel);

        // Another ticket id under the first ticket's signature, and a signature with one character changed.
        var parts = ticket.Code.Split('.');
        var otherTicket = $"{Guid.Parse(booking.Tickets[0].Id):N}.{parts[1]}.{parts[2]}";
        var flipped = $"{parts[0]}.{parts[1]}.{(parts[2][0] == 'A' ? 'B' : 'A')}{parts[2][1..]}";
        foreach (var forged in new[] { otherTicket, flipped, "not-a-ticket" })
        {
            var answer = await fixture.Client.VerifyTicketAsync(new VerifyTicketRequest { Code = forged }, venue.Bearer, cancellationToken: Ct);
            Assert.Equal((false, "BAD_SIGNATURE"), (answer.Valid, answer.Reason));
        }

        var customer = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.VerifyTicketAsync(new VerifyTicketRequest { Code = ticket.Code }, alice.Bearer, cancellationToken: Ct));
        Assert.Equal(StatusCode.PermissionDenied, customer.StatusCode);

        await fixture.Client.CancelBookingAsync(new CancelBookingRequest { Id = booking.Id }, alice.Bearer, cancellationToken: Ct);
        var cancelled = await fixture.Client.VerifyTicketAsync(new VerifyTicketRequest { Code = ticket.Code }, venue.Bearer, cancellationToken: Ct);
        Assert.Equal((false, "BOOKING_CANCELLED"), (cancelled.Valid, cancelled.Reason));
    }
}
