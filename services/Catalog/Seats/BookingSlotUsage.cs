using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.V1;

namespace Mesh.Catalog.Seats;

/// <summary>
/// Slot usage from the booking service (ListSlotUsage), asked on every ListServiceSlots (one small query per
/// service and date there; no cache, so available is as fresh as booking's claims). When booking cannot answer, the
/// slot list fails with UNAVAILABLE rather than showing places as free that may not be.
/// </summary>
public sealed class BookingSlotUsage(Mesh.Booking.V1.Booking.BookingClient booking, ILogger<BookingSlotUsage> logger) : ISlotUsage
{
    public async Task<IReadOnlyDictionary<DateTime, int>> GetTakenPlacesAsync(Guid serviceId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        try
        {
            var response = await booking.ListSlotUsageAsync(new ListSlotUsageRequest
            {
                ServiceId = serviceId.ToString(),
                From = Timestamp.FromDateTime(DateTime.SpecifyKind(from, DateTimeKind.Utc)),
                To = Timestamp.FromDateTime(DateTime.SpecifyKind(to, DateTimeKind.Utc)),
            }, deadline: DateTime.UtcNow + BookingSeatAvailability.CallTimeout, cancellationToken: cancellationToken);
            return response.Slots.Where(s => s.SlotStart is not null).ToDictionary(s => s.SlotStart.ToDateTime(), s => s.Taken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Slot usage of service {ServiceId} unavailable: booking answered {Status}", serviceId, e.StatusCode);
            throw new RpcException(new Status(StatusCode.Unavailable, "Slot availability is temporarily unavailable; try again shortly."));
        }
    }
}
