namespace Mesh.Booking;

/// <summary>A seat of a show with a live claim: a hold's (HELD) or a confirmed booking's (BOOKED, never expires).</summary>
public sealed record SeatClaimState(Guid SeatId, bool Booked);

/// <summary>Places held or booked in one slot of a service.</summary>
public sealed record SlotTaken(DateTime SlotStart, int Taken);
