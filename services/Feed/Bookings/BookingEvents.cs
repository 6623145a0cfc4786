namespace Mesh.Feed.Bookings;

/// <summary>Booking's events as the feed reads them (services/Booking/Bookings/BookingMessages.cs; JSON, PascalCase).</summary>
public static class BookingEvents
{
    public const string ConfirmedType = "booking.confirmed";
    public const string CancelledType = "booking.cancelled";

    public sealed record Confirmed(Guid BookingId, string UserId, Guid? ShowId, Guid? ServiceId, DateTime StartsAt);

    public sealed record Cancelled(Guid BookingId, string UserId);
}
