namespace Mesh.Booking;

/// <summary>A hold as stored: who, which show's seats or which service slot's places, until when, at what total.</summary>
public sealed class HoldRow
{
    public Guid Id { get; set; }
    public string UserId { get; set; } = "";
    /// <summary>Set for a seat hold; null for a service-slot hold.</summary>
    public Guid? ShowId { get; set; }
    /// <summary>Set (with <see cref="SlotStart"/> and <see cref="Quantity"/>) for a service-slot hold.</summary>
    public Guid? ServiceId { get; set; }
    public DateTime? SlotStart { get; set; }
    public int? Quantity { get; set; }
    public string Currency { get; set; } = "";
    public long AmountMinor { get; set; }
    public DateTime CreateTime { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? ReleasedAt { get; set; }
    /// <summary>The booking the hold became at checkout (Migrations/0003); null while it is only a hold.</summary>
    public Guid? BookingId { get; set; }
    /// <summary>When the sweeper found the hold expired and announced it (booking.hold_expired); null before.</summary>
    public DateTime? ExpiredAt { get; set; }

    public bool IsSlotHold => ServiceId is not null;

    /// <summary>
    /// Released wins (also a hold whose checkout failed: it is released then), then booked (the booking owns the
    /// claims from then on), then expired; otherwise the clock decides, so an expired hold reads as such before any sweep.
    /// </summary>
    public HoldState StateAt(DateTime now) =>
        ReleasedAt is not null ? HoldState.Released : BookingId is not null ? HoldState.Booked : ExpiresAt <= now ? HoldState.Expired : HoldState.Active;
}

public enum HoldState { Active, Released, Expired, Booked }

/// <summary>One held seat with the catalog's price at the time of the hold.</summary>
public sealed record HeldSeatRow(Guid SeatId, string RowLabel, string Label, string Category, long PriceMinor);

/// <summary>What <see cref="BookingStore.CreateHoldAsync"/> came to.</summary>
public abstract record CreateHoldOutcome
{
    public sealed record Created : CreateHoldOutcome;

    /// <summary>Some seats have an active claim of another hold; nothing was written.</summary>
    public sealed record SeatsTaken(IReadOnlyList<Guid> SeatIds) : CreateHoldOutcome;

    /// <summary>The user already has the maximum number of active holds; nothing was written.</summary>
    public sealed record TooManyHolds(int Active) : CreateHoldOutcome;

    /// <summary>The slot has fewer free places than asked for; nothing was written.</summary>
    public sealed record SlotFull(int Available) : CreateHoldOutcome;
}

/// <summary>What <see cref="BookingStore.ReleaseHoldAsync"/> came to.</summary>
public enum ReleaseOutcome
{
    /// <summary>Released now or before (a no-op then).</summary>
    Released,
    /// <summary>The caller has no such hold.</summary>
    NotFound,
    /// <summary>The hold became a booking; its claims are the booking's (cancel the booking instead). Nothing changed.</summary>
    Booked,
}

/// <summary>The business errors of holds, as google.rpc.Status with an ErrorInfo (reason + metadata) a client can switch on.</summary>
public static class HoldErrors
{
    public const string Domain = "booking.mesh";

    public static RpcException SeatsTaken(IReadOnlyList<Guid> seatIds) =>
        Error(Google.Rpc.Code.FailedPrecondition, "SEATS_TAKEN",
            $"These seats are no longer available: {string.Join(", ", seatIds)}.", ("seat_ids", string.Join(",", seatIds)));

    public static RpcException TooManyHolds(int max) =>
        Error(Google.Rpc.Code.FailedPrecondition, "TOO_MANY_HOLDS",
            $"You already have {max} active holds; release one or let it expire first.", ("max_active_holds", max.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static RpcException ShowNotBookable(Guid showId, string why) =>
        Error(Google.Rpc.Code.FailedPrecondition, "SHOW_NOT_BOOKABLE", $"The show {why}.", ("show_id", showId.ToString()));

    public static RpcException SlotFull(int available) =>
        Error(Google.Rpc.Code.FailedPrecondition, "SLOT_FULL",
            available == 0 ? "The slot is full." : $"The slot has only {available} free places.", ("available", available.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static RpcException SlotNotBookable(Guid serviceId, string why) =>
        Error(Google.Rpc.Code.FailedPrecondition, "SLOT_NOT_BOOKABLE", $"The slot {why}.", ("service_id", serviceId.ToString()));

    public static RpcException BeyondHorizon(DateTime start, TimeSpan horizon) =>
        Error(Google.Rpc.Code.FailedPrecondition, "BEYOND_HORIZON",
            $"Bookings open {horizon.TotalDays:0.##} days ahead; this starts at {start:u}.",
            ("horizon_days", horizon.TotalDays.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)));

    public static RpcException HoldBooked(Guid holdId) =>
        Error(Google.Rpc.Code.FailedPrecondition, "HOLD_BOOKED", "The hold became a booking; cancel the booking instead.", ("hold_id", holdId.ToString()));

    /// <summary>The analytics service judged the action fraud or a bot (CheckRisk BLOCK); nothing was written.</summary>
    public static RpcException RiskBlocked(string action, IEnumerable<string> reasons, string caseId) =>
        Error(Google.Rpc.Code.FailedPrecondition, "RISK_BLOCKED",
            $"This {action.ToLowerInvariant()} was refused by the fraud and bot checks ({string.Join(", ", reasons)}); contact support with case {caseId} if this is wrong.",
            ("reasons", string.Join(",", reasons)), ("case_id", caseId));

    public static RpcException HoldNotFound(string id) => new(new Status(StatusCode.NotFound, $"No hold \"{id}\" of yours exists."));

    private static RpcException Error(Google.Rpc.Code code, string reason, string message, params (string Key, string Value)[] metadata)
    {
        var info = new Google.Rpc.ErrorInfo { Reason = reason, Domain = Domain };
        foreach (var (key, value) in metadata) info.Metadata[key] = value;
        return new Google.Rpc.Status { Code = (int)code, Message = message }.WithDetail(info).ToRpcException();
    }
}
