using Dapper;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Booking.Bookings;

/// <summary>
/// The SQL of bookings, tickets and the cancellation policy (parameterised, Dapper). Methods that change state take
/// the caller's transaction, so a state change, its claims (<see cref="HoldClaims"/>) and its outbox messages commit
/// together. "Now" always comes from the caller's TimeProvider.
/// </summary>
public sealed class BookingsStore(NpgsqlDataSource db)
{
    public const string UniqueViolation = "23505";

    private const string Columns = """
        id, hold_id AS HoldId, user_id AS UserId, status, show_id AS ShowId, service_id AS ServiceId, slot_start AS SlotStart,
        quantity, starts_at AS StartsAt, amount_minor AS AmountMinor, discount_minor AS DiscountMinor, coupon_code AS CouponCode, currency,
        payment_method_id AS PaymentMethodId, payment_id AS PaymentId, failure_reason AS FailureReason,
        idempotency_key AS IdempotencyKey, request_hash AS RequestHash, create_time AS CreateTime, deadline,
        confirm_time AS ConfirmTime, cancel_time AS CancelTime, cancel_reason AS CancelReason, refund_minor AS RefundMinor,
        refund_task_id AS RefundTaskId
        """;

    private const string HoldColumns = """
        id, user_id AS UserId, show_id AS ShowId, service_id AS ServiceId, slot_start AS SlotStart, quantity, currency,
        amount_minor AS AmountMinor, expires_at AS ExpiresAt, released_at AS ReleasedAt, booking_id AS BookingId
        """;

    public async Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> BeginAsync(CancellationToken cancellationToken)
    {
        var connection = await db.OpenConnectionAsync(cancellationToken);
        try
        {
            return (connection, await connection.BeginTransactionAsync(cancellationToken));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<HoldRow?> FindHoldAsync(Guid holdId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<HoldRow>($"SELECT {HoldColumns} FROM holds WHERE id = @holdId", new { holdId });
    }

    /// <summary>
    /// What TX1 of a checkout decides on, in one round trip: the booking of this user's key (when a key is given),
    /// the hold locked FOR UPDATE, then the booking the hold already became — the last read after the lock, so a
    /// checkout of the same hold that committed meanwhile is seen.
    /// </summary>
    public static async Task<(BookingRow? ByKey, HoldRow? Hold, BookingRow? ByHold)> ReadForCheckoutAsync(NpgsqlTransaction tx, string userId, string? key, Guid holdId)
    {
        var sql = (key is null ? "" : $"SELECT {Columns} FROM bookings WHERE user_id = @userId AND idempotency_key = @key;\n")
            + $"SELECT {HoldColumns} FROM holds WHERE id = @holdId FOR UPDATE;\n"
            + $"SELECT {Columns} FROM bookings WHERE hold_id = @holdId";
        await using var results = await tx.Connection!.QueryMultipleAsync(sql, new { userId, key, holdId }, tx);
        var byKey = key is null ? null : await results.ReadSingleOrDefaultAsync<BookingRow>();
        var hold = await results.ReadSingleOrDefaultAsync<HoldRow>();
        var byHold = await results.ReadSingleOrDefaultAsync<BookingRow>();
        return (byKey, hold, byHold);
    }

    /// <summary>A booking locked FOR UPDATE and the seats of its hold (empty for a slot hold), in one round trip.</summary>
    public static async Task<(BookingRow? Booking, IReadOnlyList<HeldSeatRow> Seats)> LockWithSeatsAsync(NpgsqlTransaction tx, Guid id)
    {
        await using var results = await tx.Connection!.QueryMultipleAsync($"""
            SELECT {Columns} FROM bookings WHERE id = @id FOR UPDATE;
            SELECT s.seat_id AS SeatId, s.row_label AS RowLabel, s.label, s.category, s.price_minor AS PriceMinor
            FROM hold_seats s JOIN bookings b ON b.hold_id = s.hold_id WHERE b.id = @id ORDER BY s.position
            """, new { id }, tx);
        var booking = await results.ReadSingleOrDefaultAsync<BookingRow>();
        var seats = (await results.ReadAsync<HeldSeatRow>()).AsList();
        return (booking, seats);
    }

    public static Task<BookingRow?> LockAsync(NpgsqlTransaction tx, Guid id) =>
        tx.Connection!.QuerySingleOrDefaultAsync<BookingRow?>($"SELECT {Columns} FROM bookings WHERE id = @id FOR UPDATE", new { id }, tx);

    /// <summary>
    /// Writes the PENDING booking, marks its hold and keeps the hold's claims until <paramref name="claimsUntil"/>.
    /// False when some of the hold's claims are gone (deleted as expired meanwhile): the caller rolls back.
    /// </summary>
    public static async Task<bool> InsertPendingAsync(NpgsqlTransaction tx, BookingRow b, DateTime claimsUntil)
    {
        // One round trip. A seat hold has one claim per held seat; a slot hold one claim for its places.
        var parameters = new DynamicParameters(b);
        parameters.Add("Until", claimsUntil);
        parameters.Add("IsSeatHold", b.ShowId is not null);
        await using var results = await tx.Connection!.QueryMultipleAsync($"""
            INSERT INTO bookings (id, hold_id, user_id, status, show_id, service_id, slot_start, quantity, starts_at, amount_minor,
                discount_minor, coupon_code, currency, payment_method_id, idempotency_key, request_hash, create_time, deadline)
            VALUES (@Id, @HoldId, @UserId, @Status, @ShowId, @ServiceId, @SlotStart, @Quantity, @StartsAt, @AmountMinor,
                @DiscountMinor, @CouponCode, @Currency, @PaymentMethodId, @IdempotencyKey, @RequestHash, @CreateTime, @Deadline);
            UPDATE holds SET booking_id = @Id WHERE id = @HoldId;
            SELECT CASE WHEN @IsSeatHold THEN (SELECT count(*) FROM hold_seats WHERE hold_id = @HoldId) ELSE 1 END::int;
            {HoldClaims.ExtendSql}
            """, parameters, tx);
        var expected = await results.ReadSingleAsync<int>();
        var kept = await results.ReadSingleAsync<int>();
        return kept == expected;
    }

    /// <summary>PENDING → CONFIRMED (its claims already made permanent by the caller): the tickets are stored, BookingConfirmed is written.</summary>
    public static async Task MarkConfirmedAsync(NpgsqlTransaction tx, BookingRow b, IReadOnlyList<TicketRow> tickets)
    {
        // The state change and every ticket in one round trip (the tickets as one multi-row insert).
        await tx.Connection!.ExecuteAsync("""
            UPDATE bookings SET status = 'CONFIRMED', payment_id = @PaymentId, confirm_time = @ConfirmTime WHERE id = @Id;
            INSERT INTO tickets (id, booking_id, seat_id, row_label, label, position, code)
            SELECT t.id, @Id, t.seat_id, t.row_label, t.label, t.position, t.code
            FROM unnest(@ticketIds::uuid[], @seatIds::uuid[], @rowLabels::text[], @labels::text[], @positions::int[], @codes::text[]) AS t(id, seat_id, row_label, label, position, code)
            """, new
        {
            b.Id, b.PaymentId, b.ConfirmTime,
            ticketIds = tickets.Select(t => t.Id).ToArray(), seatIds = tickets.Select(t => t.SeatId).ToArray(),
            rowLabels = tickets.Select(t => t.RowLabel).ToArray(), labels = tickets.Select(t => t.Label).ToArray(),
            positions = tickets.Select(t => t.Position).ToArray(), codes = tickets.Select(t => t.Code).ToArray(),
        }, tx);
        await Outbox.AddAsync(tx, BookingMessages.Confirmed(b, tickets.Count));
    }

    /// <summary>PENDING → FAILED: the hold ends (released) and its places are free at once; BookingFailed is written.</summary>
    public static async Task MarkFailedAsync(NpgsqlTransaction tx, BookingRow b, DateTime now)
    {
        await tx.Connection!.ExecuteAsync("""
            UPDATE bookings SET status = 'FAILED', failure_reason = @FailureReason, payment_id = @PaymentId WHERE id = @Id;
            UPDATE holds SET released_at = @now WHERE id = @HoldId AND released_at IS NULL
            """, new { b.Id, b.FailureReason, b.PaymentId, b.HoldId, now }, tx);
        await HoldClaims.ReleaseAsync(tx, b.HoldId);
        await Outbox.AddAsync(tx, BookingMessages.Failed(b));
    }

    /// <summary>CONFIRMED → CANCELLED: places free at once; BookingCancelled and (when something is refunded) the refund task.</summary>
    public static async Task MarkCancelledAsync(NpgsqlTransaction tx, BookingRow b)
    {
        await tx.Connection!.ExecuteAsync("""
            UPDATE bookings SET status = 'CANCELLED', cancel_time = @CancelTime, cancel_reason = @CancelReason,
                refund_minor = @RefundMinor, refund_task_id = @RefundTaskId
            WHERE id = @Id
            """, b, tx);
        await HoldClaims.ReleaseAsync(tx, b.HoldId);
        await Outbox.AddAsync(tx, BookingMessages.Cancelled(b));
        if (b.RefundTaskId is { } task && b.PaymentId is { } payment)
            await Outbox.AddAsync(tx, BookingMessages.RefundTask(task, payment, b.UserId, b.RefundMinor, $"booking {b.Id} cancelled"));
    }

    /// <summary>A payment that arrived for a booking that had already failed: refunded in full, once (refund_task_id is set once).</summary>
    public static async Task RequestLateRefundAsync(NpgsqlTransaction tx, BookingRow b, Guid paymentId, long amount)
    {
        var task = Guid.CreateVersion7();
        amount = Math.Min(amount, b.AmountMinor);
        var updated = await tx.Connection!.ExecuteAsync("""
            UPDATE bookings SET payment_id = @paymentId, refund_minor = @amount, refund_task_id = @task
            WHERE id = @Id AND refund_task_id IS NULL
            """, new { b.Id, paymentId, amount, task }, tx);
        if (updated == 1) await Outbox.AddAsync(tx, BookingMessages.RefundTask(task, paymentId, b.UserId, amount, $"booking {b.Id} had failed before its payment arrived"));
    }

    /// <summary>Records that the recovery worker asked payment to settle the charge (and writes the task).</summary>
    public static async Task RequestChargeAsync(NpgsqlTransaction tx, BookingRow b, DateTime now)
    {
        await tx.Connection!.ExecuteAsync("UPDATE bookings SET charge_requested_at = @now WHERE id = @Id", new { b.Id, now }, tx);
        await Outbox.AddAsync(tx, BookingMessages.ChargeTask(b));
    }

    public static async Task<IReadOnlyList<HeldSeatRow>> HoldSeatsAsync(NpgsqlConnection connection, Guid holdId, NpgsqlTransaction? tx = null) =>
        (await connection.QueryAsync<HeldSeatRow>("""
            SELECT seat_id AS SeatId, row_label AS RowLabel, label, category, price_minor AS PriceMinor
            FROM hold_seats WHERE hold_id = @holdId ORDER BY position
            """, new { holdId }, tx)).AsList();

    public async Task<BookingView?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        // The booking, its tickets and its hold's seats in one round trip.
        await using var results = await connection.QueryMultipleAsync($"""
            SELECT {Columns} FROM bookings WHERE id = @id;
            SELECT id, booking_id AS BookingId, seat_id AS SeatId, row_label AS RowLabel, label, position, code
            FROM tickets WHERE booking_id = @id ORDER BY position;
            SELECT s.seat_id AS SeatId, s.row_label AS RowLabel, s.label, s.category, s.price_minor AS PriceMinor
            FROM hold_seats s JOIN bookings b ON b.hold_id = s.hold_id WHERE b.id = @id ORDER BY s.position
            """, new { id });
        var booking = await results.ReadSingleOrDefaultAsync<BookingRow>();
        var tickets = (await results.ReadAsync<TicketRow>()).AsList();
        var seats = (await results.ReadAsync<HeldSeatRow>()).AsList();
        return booking is null ? null : new BookingView(booking, tickets, seats);
    }

    /// <summary>A user's bookings starting after (upcoming) or at/before (past) <paramref name="now"/>, keyset-paged on (starts_at, id).</summary>
    public async Task<IReadOnlyList<BookingView>> ListAsync(string userId, bool upcoming, DateTime now, (DateTime StartsAt, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var parameters = new { userId, now, hasAfter = after is not null, afterStart = after?.StartsAt ?? now, afterId = after?.Id ?? Guid.Empty, limit };
        var sql = upcoming
            ? $"""
              SELECT {Columns} FROM bookings WHERE user_id = @userId AND starts_at > @now
                AND (NOT @hasAfter OR (starts_at, id) > (@afterStart, @afterId))
              ORDER BY starts_at, id LIMIT @limit
              """
            : $"""
              SELECT {Columns} FROM bookings WHERE user_id = @userId AND starts_at <= @now
                AND (NOT @hasAfter OR (starts_at, id) < (@afterStart, @afterId))
              ORDER BY starts_at DESC, id DESC LIMIT @limit
              """;
        var rows = (await connection.QueryAsync<BookingRow>(sql, parameters)).AsList();
        var views = new List<BookingView>(rows.Count);
        foreach (var row in rows) views.Add(await ViewAsync(connection, row));
        return views;
    }

    private static async Task<BookingView> ViewAsync(NpgsqlConnection connection, BookingRow booking)
    {
        var tickets = (await connection.QueryAsync<TicketRow>("""
            SELECT id, booking_id AS BookingId, seat_id AS SeatId, row_label AS RowLabel, label, position, code
            FROM tickets WHERE booking_id = @Id ORDER BY position
            """, new { booking.Id })).AsList();
        return new BookingView(booking, tickets, await HoldSeatsAsync(connection, booking.HoldId));
    }

    public async Task<TicketRow?> FindTicketAsync(Guid ticketId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TicketRow>("""
            SELECT id, booking_id AS BookingId, seat_id AS SeatId, row_label AS RowLabel, label, position, code FROM tickets WHERE id = @ticketId
            """, new { ticketId });
    }

    public async Task<IReadOnlyList<CancellationRule>> CancellationRulesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<(TimeSpan, int, long, string)>(
            "SELECT min_notice, refund_percent, fee_minor, description FROM cancellation_rules ORDER BY min_notice DESC"))
            .Select(r => new CancellationRule(r.Item1, r.Item2, r.Item3, r.Item4)).ToList();
    }

    /// <summary>Ids of PENDING bookings whose deadline has passed (the worker fails them one by one).</summary>
    public async Task<IReadOnlyList<Guid>> ListOverdueAsync(DateTime now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>(
            "SELECT id FROM bookings WHERE status = 'PENDING' AND deadline <= @now ORDER BY create_time LIMIT @limit", new { now, limit })).AsList();
    }

    /// <summary>Ids of PENDING bookings created before <paramref name="createdBefore"/> whose charge was not requested since <paramref name="requestedBefore"/>.</summary>
    public async Task<IReadOnlyList<Guid>> ListChargeDueAsync(DateTime createdBefore, DateTime requestedBefore, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>("""
            SELECT id FROM bookings WHERE status = 'PENDING' AND create_time <= @createdBefore
              AND (charge_requested_at IS NULL OR charge_requested_at <= @requestedBefore)
            ORDER BY create_time LIMIT @limit
            """, new { createdBefore, requestedBefore, limit })).AsList();
    }
}
