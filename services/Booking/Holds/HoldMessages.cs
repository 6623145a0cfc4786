using Mesh.ServiceDefaults.Messaging;

namespace Mesh.Booking;

/// <summary>A hold the sweeper found expired: its seats or places are free again. ExpiredAt is the hold's expires_at.</summary>
public sealed record HoldExpired(Guid HoldId, string UserId, Guid? ShowId, Guid? ServiceId, DateTime ExpiredAt);

/// <summary>A hold that will expire soon (BookingOptions.HoldExpiryWarning): checkout now or lose its seats. ExpiresAt is the hold's expires_at.</summary>
public sealed record HoldExpiring(Guid HoldId, string UserId, Guid? ShowId, Guid? ServiceId, DateTime ExpiresAt);

/// <summary>The events holds announce through the outbox (routing key = type).</summary>
public static class HoldMessages
{
    public const string ExpiredType = "booking.hold_expired";
    public const string ExpiringType = "booking.hold_expiring";

    public static OutboxMessage Expired(HoldExpired e) =>
        OutboxMessage.Json(ExpiredType, e with { ExpiredAt = DateTime.SpecifyKind(e.ExpiredAt, DateTimeKind.Utc) });

    public static OutboxMessage Expiring(HoldExpiring e) =>
        OutboxMessage.Json(ExpiringType, e with { ExpiresAt = DateTime.SpecifyKind(e.ExpiresAt, DateTimeKind.Utc) });
}
