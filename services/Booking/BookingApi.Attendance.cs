using Mesh.Booking.Bookings;
using Mesh.Booking.V1;

namespace Mesh.Booking;

// What a customer has attended, for the rating service's verified reviews (Bookings/AttendedItems).
public sealed partial class BookingApi
{
    public override Task<ListAttendedItemsResponse> ListAttendedItems(ListAttendedItemsRequest request, ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<AttendedItems>().ListAsync(request, context);
}
