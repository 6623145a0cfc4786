namespace Mesh.Booking;

/// <summary>A hold as stored: who, which show, until when, at what total.</summary>
public sealed class HoldRow
{
    public Guid Id { get; set; }
    public string UserId { get; set; } = "";
    public Guid ShowId { get; set; }
    public string Currency { get; set; } = "";
    public long AmountMinor { get; set; }
    public DateTime CreateTime { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? ReleasedAt { get; set; }

    /// <summary>Released wins over expired; otherwise the clock decides, so an expired hold reads as such before any sweep.</summary>
    public HoldState StateAt(DateTime now) =>
        ReleasedAt is not null ? HoldState.Released : ExpiresAt <= now ? HoldState.Expired : HoldState.Active;
}

public enum HoldState { Active, Released, Expired }

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

    public static RpcException HoldNotFound(string id) => new(new Status(StatusCode.NotFound, $"No hold \"{id}\" of yours exists."));

    private static RpcException Error(Google.Rpc.Code code, string reason, string message, params (string Key, string Value)[] metadata)
    {
        // ErrorInfo field 1 is "type" in this CommonProtos version ("reason" in newer ones; same wire field).
        var info = new Google.Rpc.ErrorInfo { Type = reason, Domain = Domain };
        foreach (var (key, value) in metadata) info.Metadata[key] = value;
        return new Google.Rpc.Status { Code = (int)code, Message = message }.WithDetail(info).ToRpcException();
    }
}
