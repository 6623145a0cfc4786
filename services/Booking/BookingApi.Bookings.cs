using Mesh.Booking.Bookings;
using Mesh.Booking.V1;

namespace Mesh.Booking;

// Checkout, bookings, cancellation and tickets. The work is in Bookings/BookingsEndpoint (its own dependencies,
// resolved per call from the request's services, so the hold half of this class keeps its constructor).
public sealed partial class BookingApi
{
    private static BookingsEndpoint Bookings(ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<BookingsEndpoint>();

    public override Task<BookingRecord> Checkout(CheckoutRequest request, ServerCallContext context) => Bookings(context).Checkout(request, context);

    public override Task<BookingRecord> GetBooking(GetBookingRequest request, ServerCallContext context) => Bookings(context).GetBooking(request, context);

    public override Task<ListMyBookingsResponse> ListMyBookings(ListMyBookingsRequest request, ServerCallContext context) => Bookings(context).ListMyBookings(request, context);

    public override Task<ListMyBookingsResponse> ListUserBookings(ListUserBookingsRequest request, ServerCallContext context) => Bookings(context).ListUserBookings(request, context);

    public override Task<CancellationQuote> QuoteCancellation(QuoteCancellationRequest request, ServerCallContext context) => Bookings(context).QuoteCancellation(request, context);

    public override Task<BookingRecord> CancelBooking(CancelBookingRequest request, ServerCallContext context) => Bookings(context).CancelBooking(request, context);

    public override Task<TicketVerification> VerifyTicket(VerifyTicketRequest request, ServerCallContext context) => Bookings(context).VerifyTicket(request, context);
}
