using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Booking.Bookings;

/// <summary>
/// The booking half of the gRPC endpoint (BookingApi forwards here): validation (INVALID_ARGUMENT naming the field),
/// the caller (a user sees and changes only their own bookings: another's reads as NOT_FOUND), proto ⇄ row mapping.
/// The saga is in <see cref="CheckoutSaga"/>, the SQL in <see cref="BookingsStore"/>.
/// </summary>
public sealed class BookingsEndpoint(BookingsStore store, CheckoutSaga saga, TicketCodes codes, Risk.IRiskStep risk, TimeProvider time)
{
    public const int MaxCouponLength = 64;
    public const int MaxReasonLength = 200;
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<BookingRecord> Checkout(CheckoutRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var violations = new FieldViolations();
        var holdId = violations.Uuid("hold_id", request.HoldId);
        var methodId = violations.Uuid("payment_method_id", request.PaymentMethodId);
        violations.MaxLength("coupon_code", request.CouponCode, MaxCouponLength);
        var key = context.RequestHeaders.GetValue("idempotency-key");
        if (key is not null && (key.Length is 0 or > 255 || key.Any(c => c is < '!' or > '~')))
            violations.Add("idempotency-key", "must be 1-255 visible ASCII characters");
        violations.ThrowIfAny();
        await risk.CheckAsync(Analytics.V1.RiskAction.Checkout, user.Subject, "", context);   // fraud and bot rules (fail open)

        var booking = await saga.CheckoutAsync(new CheckoutCommand(user.Subject, holdId!.Value, methodId!.Value, request.CouponCode, key,
            context.RequestHeaders.GetValue("authorization"), request.CouponOptional), context.CancellationToken);
        return await RecordAsync(booking.Id, context);
    }

    public async Task<BookingRecord> GetBooking(GetBookingRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var id = FieldViolations.RequireUuid("id", request.Id);
        return ToProto(await OwnAsync(id, request.Id, user, context));
    }

    public Task<ListMyBookingsResponse> ListMyBookings(ListMyBookingsRequest request, ServerCallContext context) =>
        ListBookingsOf(context.RequireUser().Subject, request, context);

    /// <summary>Staff (the support back office) list one user's bookings the way that user lists their own.</summary>
    public Task<ListMyBookingsResponse> ListUserBookings(ListUserBookingsRequest request, ServerCallContext context)
    {
        context.RequireRole("support_agent", "admin");
        var userId = FieldViolations.RequireUuid("user_id", request.UserId);
        return ListBookingsOf(userId.ToString(), request.Listing ?? new ListMyBookingsRequest(), context);
    }

    private async Task<ListMyBookingsResponse> ListBookingsOf(string userId, ListMyBookingsRequest request, ServerCallContext context)
    {
        var upcoming = request.When != BookingTimeFilter.Past;
        var violations = new FieldViolations();
        if (request.PageSize is < 0 or > MaxPageSize) violations.Add("page_size", $"must be between 1 and {MaxPageSize} (0: {DefaultPageSize})");
        if (!System.Enum.IsDefined(request.When)) violations.Add("when", "must be UPCOMING or PAST");
        (DateTime, Guid)? after = null;
        if (request.PageToken.Length > 0)
        {
            after = PageToken.Parse(request.PageToken, upcoming);
            if (after is null) violations.Add("page_token", "is not a token from a previous page of this listing");
        }
        violations.ThrowIfAny();

        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var page = await store.ListAsync(userId, upcoming, Now, after, size + 1, context.CancellationToken);
        var response = new ListMyBookingsResponse();
        response.Bookings.AddRange(page.Take(size).Select(ToProto));
        if (page.Count > size)
        {
            var last = page[size - 1].Booking;
            response.NextPageToken = PageToken.Format(upcoming, last.StartsAt, last.Id);
        }
        return response;
    }

    public async Task<CancellationQuote> QuoteCancellation(QuoteCancellationRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var id = FieldViolations.RequireUuid("id", request.Id);
        var view = await OwnAsync(id, request.Id, user, context);
        var terms = CancellationPolicy.Quote(await store.CancellationRulesAsync(context.CancellationToken), view.Booking, Now);
        var quote = new CancellationQuote
        {
            BookingId = view.Booking.Id.ToString(), Cancellable = terms.Cancellable, RefundMinor = terms.RefundMinor, FeeMinor = terms.FeeMinor,
            Currency = view.Booking.Currency, Rule = terms.Rule,
        };
        if (terms.ValidUntil is { } until) quote.ValidUntil = Time(until);
        return quote;
    }

    public async Task<BookingRecord> CancelBooking(CancelBookingRequest request, ServerCallContext context)
    {
        var user = context.RequireUser();
        var violations = new FieldViolations();
        var id = violations.Uuid("id", request.Id);
        violations.MaxLength("reason", request.Reason, MaxReasonLength).ThrowIfAny();

        var rules = await store.CancellationRulesAsync(context.CancellationToken);
        var (connection, tx) = await store.BeginAsync(context.CancellationToken);
        await using (connection)
        await using (tx)
        {
            var booking = await BookingsStore.LockAsync(tx, id!.Value);
            if (booking is null || booking.UserId != user.Subject) throw BookingErrors.BookingNotFound(request.Id);
            if (booking.Status != BookingStates.Cancelled) // cancelling again answers the cancelled booking; no second refund
            {
                var now = Now;
                var terms = CancellationPolicy.Quote(rules, booking, now);
                if (!terms.Cancellable) throw BookingErrors.NotCancellable(booking.Id, booking.Status == BookingStates.Confirmed ? "has already started" : $"is {booking.Status.ToLowerInvariant()}");
                booking.Status = BookingStates.Cancelled;
                booking.CancelTime = now.AddTicks(-(now.Ticks % 10));
                booking.CancelReason = request.Reason;
                booking.RefundMinor = booking.PaymentId is null ? 0 : terms.RefundMinor;
                booking.RefundTaskId = booking.RefundMinor > 0 ? Guid.CreateVersion7() : null;
                await BookingsStore.MarkCancelledAsync(tx, booking);
                await tx.CommitAsync(context.CancellationToken);
            }
        }
        return await RecordAsync(id.Value, context);
    }

    public async Task<TicketVerification> VerifyTicket(VerifyTicketRequest request, ServerCallContext context)
    {
        context.RequireRole("partner", "admin");
        if (request.Code.Length is 0 or > 200) new FieldViolations().Add("code", request.Code.Length == 0 ? "is required" : "is too long to be a ticket code").ThrowIfAny();
        if (await codes.VerifyAsync(request.Code, context.CancellationToken) is not { } ids) return new TicketVerification { Valid = false, Reason = "BAD_SIGNATURE" };
        var ticket = await store.FindTicketAsync(ids.TicketId, context.CancellationToken);
        var view = ticket is null || ticket.BookingId != ids.BookingId ? null : await store.FindAsync(ids.BookingId, context.CancellationToken);
        if (ticket is null || view is null) return new TicketVerification { Valid = false, Reason = "UNKNOWN_TICKET", TicketId = ids.TicketId.ToString(), BookingId = ids.BookingId.ToString() };
        var b = view.Booking;
        var answer = new TicketVerification
        {
            Valid = b.Status == BookingStates.Confirmed,
            Reason = b.Status switch { BookingStates.Confirmed => "", BookingStates.Cancelled => "BOOKING_CANCELLED", _ => "BOOKING_NOT_CONFIRMED" },
            BookingId = b.Id.ToString(), TicketId = ticket.Id.ToString(), ShowId = b.ShowId?.ToString() ?? "", ServiceId = b.ServiceId?.ToString() ?? "",
            SeatLabel = ticket.RowLabel.Length > 0 ? $"{ticket.RowLabel}{ticket.Label}" : ticket.Label, StartsAt = Time(b.StartsAt),
        };
        return answer;
    }

    private async Task<BookingView> OwnAsync(Guid id, string given, AuthenticatedUser user, ServerCallContext context)
    {
        var view = await store.FindAsync(id, context.CancellationToken);
        // Someone else's booking reads as missing: its existence is not the caller's business.
        return view is not null && view.Booking.UserId == user.Subject ? view : throw BookingErrors.BookingNotFound(given);
    }

    private async Task<BookingRecord> RecordAsync(Guid id, ServerCallContext context) =>
        ToProto(await store.FindAsync(id, context.CancellationToken) ?? throw BookingErrors.BookingNotFound(id.ToString()));

    public static BookingRecord ToProto(BookingView view)
    {
        var b = view.Booking;
        var record = new BookingRecord
        {
            Id = b.Id.ToString(), HoldId = b.HoldId.ToString(),
            Status = b.Status switch
            {
                BookingStates.Pending => BookingStatus.Pending,
                BookingStates.Confirmed => BookingStatus.Confirmed,
                BookingStates.Failed => BookingStatus.Failed,
                BookingStates.Cancelled => BookingStatus.Cancelled,
                _ => BookingStatus.Unspecified,
            },
            ShowId = b.ShowId?.ToString() ?? "", ServiceId = b.ServiceId?.ToString() ?? "", Quantity = b.Quantity ?? 0,
            StartsAt = Time(b.StartsAt), AmountMinor = b.AmountMinor, DiscountMinor = b.DiscountMinor, Currency = b.Currency,
            PaymentId = b.PaymentId?.ToString() ?? "", FailureReason = b.FailureReason ?? "", CreateTime = Time(b.CreateTime), RefundMinor = b.RefundMinor,
        };
        if (b.SlotStart is { } slot) record.SlotStart = Time(slot);
        if (b.ConfirmTime is { } confirmed) record.ConfirmTime = Time(confirmed);
        if (b.CancelTime is { } cancelled) record.CancelTime = Time(cancelled);
        record.Seats.AddRange(view.Seats.Select(s => new HeldSeat { SeatId = s.SeatId.ToString(), Row = s.RowLabel, Label = s.Label, Category = s.Category, PriceMinor = s.PriceMinor }));
        record.Tickets.AddRange(view.Tickets.Select(t => new Ticket { Id = t.Id.ToString(), SeatId = t.SeatId?.ToString() ?? "", Row = t.RowLabel, Label = t.Label, Code = t.Code }));
        return record;
    }

    private static Timestamp Time(DateTime value) => Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));



    /// <summary>Keyset page tokens: the listing (upcoming/past) and the last row's (starts_at, id), base64url.</summary>
    private static class PageToken
    {
        public static string Format(bool upcoming, DateTime startsAt, Guid id) =>
            Convert.ToBase64String(Encoding.ASCII.GetBytes($"{(upcoming ? 'u' : 'p')}|{startsAt.Ticks.ToString(CultureInfo.InvariantCulture)}|{id:N}"))
                .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static (DateTime, Guid)? Parse(string token, bool upcoming)
        {
            try
            {
                var s = token.Replace('-', '+').Replace('_', '/');
                var parts = Encoding.ASCII.GetString(Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4))).Split('|');
                if (parts.Length != 3 || parts[0] != (upcoming ? "u" : "p")) return null;
                if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) return null;
                return Guid.TryParseExact(parts[2], "N", out var id) ? (new DateTime(ticks, DateTimeKind.Utc), id) : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
