using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Booking;

/// <summary>
/// The gRPC endpoint for holds and seat status: validation (INVALID_ARGUMENT with field violations), the caller (every
/// hold call needs a user; a user sees only their own holds; seat status and slot usage are public), prices from the
/// catalog, proto ⇄ row mapping. No SQL here (BookingStore). Bookings are in BookingApi.Bookings.cs.
/// </summary>
public sealed partial class BookingApi(BookingStore store, CatalogSeats catalog, CatalogSlots slots, HoldChanges changes, Risk.IRiskStep risk, BookingOptions options, TimeProvider time) : V1.Booking.BookingBase
{
    private static readonly TimeSpan DefaultUpdateInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinUpdateInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxUpdateInterval = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxSlotUsageRange = TimeSpan.FromDays(92);

    public override Task<Hold> CreateHold(CreateHoldRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var wantsSeats = request.ShowId.Length > 0 || request.SeatIds.Count > 0;
        var wantsSlot = request.ServiceId.Length > 0 || request.SlotStart is not null || request.Quantity != 0;
        if (wantsSeats && wantsSlot)
            new FieldViolations()
                .Add("show_id", "give either show_id with seat_ids, or service_id with slot_start and quantity, not both")
                .Add("service_id", "give either service_id with slot_start and quantity, or show_id with seat_ids, not both")
                .ThrowIfAny();
        if (!wantsSeats && !wantsSlot)
            new FieldViolations()
                .Add("show_id", "is required (with seat_ids), unless service_id, slot_start and quantity are given")
                .Add("service_id", "is required (with slot_start and quantity), unless show_id and seat_ids are given")
                .ThrowIfAny();
        return wantsSeats ? CreateSeatHoldAsync(request, user.Subject, context) : CreateSlotHoldAsync(request, user.Subject, context);
    }

    private async Task<Hold> CreateSeatHoldAsync(CreateHoldRequest request, string userId, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var violations = new FieldViolations();
        var showId = violations.Uuid("show_id", request.ShowId);
        if (request.SeatIds.Count == 0) violations.Add("seat_ids", "must name at least one seat");
        else if (request.SeatIds.Count > options.MaxSeatsPerHold) violations.Add("seat_ids", $"must name at most {options.MaxSeatsPerHold} seats");
        var seatIds = new List<Guid>();
        for (var i = 0; i < request.SeatIds.Count; i++)
        {
            var id = violations.Uuid($"seat_ids[{i}]", request.SeatIds[i]);
            if (id is null) continue;
            if (seatIds.Contains(id.Value)) violations.Add($"seat_ids[{i}]", $"repeats \"{request.SeatIds[i]}\"");
            else seatIds.Add(id.Value);
        }
        violations.ThrowIfAny();
        await risk.CheckAsync(Analytics.V1.RiskAction.Hold, userId, $"shows/{showId}", context);   // fraud and bot rules (fail open)

        var show = await catalog.FindAsync(showId!.Value, cancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No show \"{request.ShowId}\" exists."));
        var now = Now();
        if (show.Show.Status == Catalog.V1.ShowStatus.Cancelled) throw HoldErrors.ShowNotBookable(showId.Value, "is cancelled");
        if (show.Show.StartTime is null || show.Show.StartTime.ToDateTime() <= now) throw HoldErrors.ShowNotBookable(showId.Value, "has already started");
        if (show.Show.StartTime.ToDateTime() > now + options.BookingHorizon) throw HoldErrors.BeyondHorizon(show.Show.StartTime.ToDateTime(), options.BookingHorizon);
        var unknown = seatIds.Where(id => !show.Seats.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
            violations.Add("seat_ids", $"names seats that are not sellable seats of the show: {string.Join(", ", unknown)}").ThrowIfAny();

        var seats = seatIds.Select(id => show.Seats[id]).Select(s => new HeldSeatRow(Guid.Parse(s.Id), s.Row, s.Label, s.Category, s.PriceMinor)).ToList();
        var hold = new HoldRow
        {
            Id = Guid.CreateVersion7(), UserId = userId, ShowId = showId.Value, Currency = show.Show.Currency,
            AmountMinor = seats.Sum(s => s.PriceMinor), CreateTime = now, ExpiresAt = now + options.HoldDuration,
        };
        return await store.CreateHoldAsync(hold, seats, options.MaxActiveHoldsPerUser, cancellationToken) switch
        {
            CreateHoldOutcome.SeatsTaken taken => throw HoldErrors.SeatsTaken(taken.SeatIds),
            CreateHoldOutcome.TooManyHolds => throw HoldErrors.TooManyHolds(options.MaxActiveHoldsPerUser),
            _ => ToProto(hold, seats, now),
        };
    }

    private async Task<Hold> CreateSlotHoldAsync(CreateHoldRequest request, string userId, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var violations = new FieldViolations();
        var serviceId = violations.Uuid("service_id", request.ServiceId);
        if (request.SlotStart is null) violations.Add("slot_start", "is required");
        else if (!IsValidTimestamp(request.SlotStart)) violations.Add("slot_start", "is not a valid timestamp");
        violations.Check("quantity", request.Quantity < 1 || request.Quantity > options.MaxPlacesPerHold ? $"must be 1-{options.MaxPlacesPerHold}" : null);
        violations.ThrowIfAny();
        await risk.CheckAsync(Analytics.V1.RiskAction.Hold, userId, $"services/{serviceId}", context);   // fraud and bot rules (fail open)

        var slotStart = request.SlotStart!.ToDateTime();
        var now = Now();
        if (slotStart <= now) throw HoldErrors.SlotNotBookable(serviceId!.Value, "has already started");
        if (slotStart > now + options.BookingHorizon) throw HoldErrors.BeyondHorizon(slotStart, options.BookingHorizon);
        var lookup = await slots.FindAsync(serviceId!.Value, slotStart, cancellationToken);
        if (lookup is CatalogSlots.Lookup.NoSuchService)
            throw new RpcException(new Status(StatusCode.NotFound, $"No service \"{request.ServiceId}\" exists."));
        if (lookup is not CatalogSlots.Lookup.Found(var service, var slot))
        {
            violations.Add("slot_start", $"{slotStart:O} is not the start of one of the service's slots (ListServiceSlots)").ThrowIfAny();
            throw new InvalidOperationException("unreachable");
        }

        var hold = new HoldRow
        {
            Id = Guid.CreateVersion7(), UserId = userId, ServiceId = serviceId.Value, SlotStart = slotStart, Quantity = request.Quantity,
            Currency = service.Currency, AmountMinor = service.PriceMinor * request.Quantity, CreateTime = now, ExpiresAt = now + options.HoldDuration,
        };
        return await store.CreateSlotHoldAsync(hold, slot.Capacity, options.MaxActiveHoldsPerUser, cancellationToken) switch
        {
            CreateHoldOutcome.SlotFull full => throw HoldErrors.SlotFull(full.Available),
            CreateHoldOutcome.TooManyHolds => throw HoldErrors.TooManyHolds(options.MaxActiveHoldsPerUser),
            _ => ToProto(hold, [], now),
        };
    }

    public override async Task<Hold> GetHold(GetHoldRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var id = FieldViolations.RequireUuid("id", request.Id);
        var (hold, seats) = await FindOwnHoldAsync(id, user.Subject, request.Id, context.CancellationToken);
        return ToProto(hold, seats, Now());
    }

    public override async Task<Empty> ReleaseHold(ReleaseHoldRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var id = FieldViolations.RequireUuid("id", request.Id);
        var outcome = await store.ReleaseHoldAsync(id, user.Subject, Now(), context.CancellationToken);
        changes.Notify(id);
        return outcome switch
        {
            ReleaseOutcome.NotFound => throw HoldErrors.HoldNotFound(request.Id),
            ReleaseOutcome.Booked => throw HoldErrors.HoldBooked(id),
            _ => new Empty(),
        };
    }

    /// <summary>
    /// The hold now, then again on every change this process hears of (<see cref="HoldChanges"/>), every
    /// update_interval, and at expiry — until the hold is no longer ACTIVE. Remaining time and expiry come from the
    /// injected clock; the waits are real time. The caller going away cancels the token and ends the loop.
    /// </summary>
    public override async Task WatchHold(WatchHoldRequest request, IServerStreamWriter<HoldUpdate> responseStream, ServerCallContext context)
    {
        var user = context.RequireUser();
        var violations = new FieldViolations();
        var id = violations.Uuid("id", request.Id);
        var interval = DefaultUpdateInterval;
        if (request.UpdateInterval is not null)
        {
            try
            {
                interval = request.UpdateInterval.ToTimeSpan();
                if (interval < MinUpdateInterval || interval > MaxUpdateInterval) violations.Add("update_interval", "must be 100ms to 60s");
            }
            catch (InvalidOperationException)
            {
                violations.Add("update_interval", "is not a valid duration");   // seconds and nanos of different signs, or out of range
            }
        }
        violations.ThrowIfAny();

        var cancellationToken = context.CancellationToken;
        using var watching = changes.BeginWatch();
        while (true)
        {
            var changed = changes.Next(id!.Value);
            try
            {
                var (hold, seats) = await FindOwnHoldAsync(id.Value, user.Subject, request.Id, cancellationToken);
                var now = Now();
                var proto = ToProto(hold, seats, now);
                var remaining = proto.Status == HoldStatus.Active ? hold.ExpiresAt - now : TimeSpan.Zero;
                await responseStream.WriteAsync(new HoldUpdate { Hold = proto, Remaining = Duration.FromTimeSpan(remaining) }, cancellationToken);
                if (proto.Status != HoldStatus.Active) return;

                // Wake at the interval, at expiry if sooner, or when the hold changes here.
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(remaining < interval ? remaining : interval, time, wake.Token);
                await Task.WhenAny(changed, delay);
                await wake.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }
            finally
            {
                changes.Forget(id.Value, changed);
            }
        }
    }

    public override async Task<ListSeatStatusResponse> ListSeatStatus(ListSeatStatusRequest request, ServerCallContext context)
    {
        // Public: the catalog shows seat status to anyone browsing a seat map.
        var showId = FieldViolations.RequireUuid("show_id", request.ShowId);
        var response = new ListSeatStatusResponse();
        foreach (var seat in await store.ListSeatStatusAsync(showId, Now(), context.CancellationToken))
            response.Seats.Add(new SeatStatusEntry { SeatId = seat.SeatId.ToString(), State = seat.Booked ? SeatState.SeatBooked : SeatState.SeatHeld });
        return response;
    }

    public override async Task<ListSlotUsageResponse> ListSlotUsage(ListSlotUsageRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        var serviceId = violations.Uuid("service_id", request.ServiceId);
        violations.Check("from", request.From is null ? "is required" : !IsValidTimestamp(request.From) ? "is not a valid timestamp" : null);
        violations.Check("to", request.To is null ? "is required" : !IsValidTimestamp(request.To) ? "is not a valid timestamp" : null);
        violations.ThrowIfAny();
        DateTime from = request.From!.ToDateTime(), to = request.To!.ToDateTime();
        violations.Check("to", to <= from ? "must be after from" : to - from > MaxSlotUsageRange ? $"must be at most {MaxSlotUsageRange.TotalDays} days after from" : null).ThrowIfAny();

        var response = new ListSlotUsageResponse();
        foreach (var slot in await store.ListSlotUsageAsync(serviceId!.Value, from, to, Now(), context.CancellationToken))
            response.Slots.Add(new SlotUsage { SlotStart = Timestamp.FromDateTime(DateTime.SpecifyKind(slot.SlotStart, DateTimeKind.Utc)), Taken = slot.Taken });
        return response;
    }

    private async Task<(HoldRow Hold, IReadOnlyList<HeldSeatRow> Seats)> FindOwnHoldAsync(Guid id, string userId, string requestedId, CancellationToken cancellationToken)
    {
        var found = await store.FindHoldAsync(id, cancellationToken);
        // Someone else's hold reads as missing: its existence is not the caller's business.
        if (found is not { } f || f.Hold.UserId != userId) throw HoldErrors.HoldNotFound(requestedId);
        return f;
    }

    private static Hold ToProto(HoldRow hold, IReadOnlyList<HeldSeatRow> seats, DateTime now)
    {
        var proto = new Hold
        {
            Id = hold.Id.ToString(), ShowId = hold.ShowId?.ToString() ?? "", Currency = hold.Currency, AmountMinor = hold.AmountMinor,
            CreateTime = Utc(hold.CreateTime), ExpiresAt = Utc(hold.ExpiresAt),
            ServiceId = hold.ServiceId?.ToString() ?? "", SlotStart = hold.SlotStart is { } start ? Utc(start) : null, Quantity = hold.Quantity ?? 0,
            BookingId = hold.BookingId?.ToString() ?? "",
            Status = hold.StateAt(now) switch
            {
                HoldState.Active => HoldStatus.Active,
                HoldState.Released => HoldStatus.Released,
                HoldState.Booked => HoldStatus.Booked,
                _ => HoldStatus.Expired,
            },
        };
        proto.Seats.AddRange(seats.Select(s => new HeldSeat { SeatId = s.SeatId.ToString(), Row = s.RowLabel, Label = s.Label, Category = s.Category, PriceMinor = s.PriceMinor }));
        return proto;
    }

    /// <summary>The clock's now at PostgreSQL's precision (microseconds), so what a hold answers equals what it stores.</summary>
    private DateTime Now()
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    private static Timestamp Utc(DateTime value) => Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    /// <summary>Within what Timestamp allows (0001-01-01 to 9999-12-31, nanos 0-999,999,999), so ToDateTime cannot throw.</summary>
    private static bool IsValidTimestamp(Timestamp value) =>
        value.Nanos is >= 0 and < 1_000_000_000 && value.Seconds is >= -62_135_596_800 and <= 253_402_300_799;


}
