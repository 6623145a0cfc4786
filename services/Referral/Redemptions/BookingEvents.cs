namespace Mesh.Referral.Redemptions;

/// <summary>Booking's events as referral reads them (services/Booking/Bookings/BookingMessages.cs; JSON, PascalCase).</summary>
public static class BookingEvents
{
    public const string ConfirmedType = "booking.confirmed";
    public const string FailedType = "booking.failed";
    public const string CancelledType = "booking.cancelled";

    public sealed record Confirmed(Guid BookingId, string UserId, DateTime StartsAt);

    public sealed record Failed(Guid BookingId, string UserId, string Reason);

    public sealed record Cancelled(Guid BookingId, string UserId, long RefundAmount, string Reason);
}
