using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Booking;

/// <summary>
/// The gRPC endpoint: validation (INVALID_ARGUMENT with field violations), the caller (every call needs a user; a
/// user sees only their own holds), prices from the catalog, proto ⇄ row mapping. No SQL here (BookingStore).
/// </summary>
public sealed partial class BookingApi(BookingStore store, CatalogSeats catalog, BookingOptions options, TimeProvider time) : V1.Booking.BookingBase
{
    public override async Task<Hold> CreateHold(CreateHoldRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var violations = new FieldViolations();
        var showId = ParseId("show_id", request.ShowId, violations);
        if (request.SeatIds.Count == 0) violations.Add("seat_ids", "must name at least one seat");
        else if (request.SeatIds.Count > options.MaxSeatsPerHold) violations.Add("seat_ids", $"must name at most {options.MaxSeatsPerHold} seats");
        var seatIds = new List<Guid>();
        for (var i = 0; i < request.SeatIds.Count; i++)
        {
            var id = ParseId($"seat_ids[{i}]", request.SeatIds[i], violations);
            if (id is null) continue;
            if (seatIds.Contains(id.Value)) violations.Add($"seat_ids[{i}]", $"repeats \"{request.SeatIds[i]}\"");
            else seatIds.Add(id.Value);
        }
        violations.ThrowIfAny();

        var show = await catalog.FindAsync(showId!.Value, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No show \"{request.ShowId}\" exists."));
        var now = time.GetUtcNow().UtcDateTime;
        if (show.Show.Status == Catalog.V1.ShowStatus.Cancelled) throw HoldErrors.ShowNotBookable(showId.Value, "is cancelled");
        if (show.Show.StartTime is null || show.Show.StartTime.ToDateTime() <= now) throw HoldErrors.ShowNotBookable(showId.Value, "has already started");
        var unknown = seatIds.Where(id => !show.Seats.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
            violations.Add("seat_ids", $"names seats that are not sellable seats of the show: {string.Join(", ", unknown)}").ThrowIfAny();

        var seats = seatIds.Select(id => show.Seats[id]).Select(s => new HeldSeatRow(Guid.Parse(s.Id), s.Row, s.Label, s.Category, s.PriceMinor)).ToList();
        var hold = new HoldRow
        {
            Id = Guid.CreateVersion7(), UserId = user.Subject, ShowId = showId.Value, Currency = show.Show.Currency,
            AmountMinor = seats.Sum(s => s.PriceMinor), CreateTime = now, ExpiresAt = now + options.HoldDuration,
        };
        return await store.CreateHoldAsync(hold, seats, options.MaxActiveHoldsPerUser, context.CancellationToken) switch
        {
            CreateHoldOutcome.SeatsTaken taken => throw HoldErrors.SeatsTaken(taken.SeatIds),
            CreateHoldOutcome.TooManyHolds => throw HoldErrors.TooManyHolds(options.MaxActiveHoldsPerUser),
            _ => ToProto(hold, seats, now),
        };
    }

    public override async Task<Hold> GetHold(GetHoldRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var id = RequireId("id", request.Id);
        var found = await store.FindHoldAsync(id, context.CancellationToken);
        // Someone else's hold reads as missing: its existence is not the caller's business.
        if (found is not { } f || f.Hold.UserId != user.Subject) throw HoldErrors.HoldNotFound(request.Id);
        return ToProto(f.Hold, f.Seats, time.GetUtcNow().UtcDateTime);
    }

    public override async Task<Empty> ReleaseHold(ReleaseHoldRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var id = RequireId("id", request.Id);
        if (!await store.ReleaseHoldAsync(id, user.Subject, time.GetUtcNow().UtcDateTime, context.CancellationToken))
            throw HoldErrors.HoldNotFound(request.Id);
        return new Empty();
    }

    private static Hold ToProto(HoldRow hold, IReadOnlyList<HeldSeatRow> seats, DateTime now)
    {
        var proto = new Hold
        {
            Id = hold.Id.ToString(), ShowId = hold.ShowId.ToString(), Currency = hold.Currency, AmountMinor = hold.AmountMinor,
            CreateTime = Timestamp.FromDateTime(DateTime.SpecifyKind(hold.CreateTime, DateTimeKind.Utc)),
            ExpiresAt = Timestamp.FromDateTime(DateTime.SpecifyKind(hold.ExpiresAt, DateTimeKind.Utc)),
            Status = hold.StateAt(now) switch { HoldState.Active => HoldStatus.Active, HoldState.Released => HoldStatus.Released, _ => HoldStatus.Expired },
        };
        proto.Seats.AddRange(seats.Select(s => new HeldSeat { SeatId = s.SeatId.ToString(), Row = s.RowLabel, Label = s.Label, Category = s.Category, PriceMinor = s.PriceMinor }));
        return proto;
    }

    private static Guid? ParseId(string field, string value, FieldViolations violations)
    {
        if (Guid.TryParse(value, out var id)) return id;
        violations.Add(field, value.Length == 0 ? "is required" : "must be a UUID");
        return null;
    }

    private static Guid RequireId(string field, string value)
    {
        var violations = new FieldViolations();
        var id = ParseId(field, value, violations);
        violations.ThrowIfAny();
        return id!.Value;
    }
}
