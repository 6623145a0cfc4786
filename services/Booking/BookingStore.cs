using Dapper;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Booking;

/// <summary>
/// All SQL of booking, parameterised (Dapper), against bookingdb. "Now" always comes from the caller (the service's
/// TimeProvider), never from the database clock, so expiry is one consistent notion of time.
/// </summary>
public sealed class BookingStore(NpgsqlDataSource db)
{
    private const string DeadlockDetected = "40P01";
    private const string CheckViolation = "23514";
    private const string HoldColumns = """
        id, user_id AS UserId, show_id AS ShowId, service_id AS ServiceId, slot_start AS SlotStart, quantity,
        currency, amount_minor AS AmountMinor, create_time AS CreateTime, expires_at AS ExpiresAt,
        released_at AS ReleasedAt, expired_at AS ExpiredAt, booking_id AS BookingId
        """;
    // A hold counts against the per-user limit while it is neither released, expired nor checked out.
    private const string CountActiveHolds =
        "SELECT count(*) FROM holds WHERE user_id = @UserId AND released_at IS NULL AND booking_id IS NULL AND expires_at > @now";

    /// <summary>Applies the embedded Migrations/*.sql not yet applied, in name order, each in its own transaction, one replica at a time.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await Mesh.ServiceDefaults.Data.SqlMigrations.ApplyAsync(db, typeof(BookingStore).Assembly, cancellationToken);
    }

    /// <summary>
    /// Claims every seat for the hold or none. The primary key of seat_claims is what makes seats exclusive: a
    /// concurrent claim on the same seat waits for the other transaction and then conflicts. Expired claims on these
    /// seats are deleted first, in the same transaction, so an expired hold never blocks anyone.
    /// </summary>
    public async Task<CreateHoldOutcome> CreateHoldAsync(HoldRow hold, IReadOnlyList<HeldSeatRow> seats, int maxActiveHolds, CancellationToken cancellationToken)
    {
        // Sorted, so two holds wanting overlapping seats lock them in the same order (no deadlock between them).
        var seatIds = seats.Select(s => s.SeatId).Order().ToArray();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryCreateHoldAsync(hold, seats, seatIds, maxActiveHolds, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == DeadlockDetected && attempt < 3)
            {
                // Only possible with claims inserted outside this method's order; the retry sees the winner's claims.
            }
        }
    }

    /// <summary>
    /// One round trip, then the commit: the per-user lock, the count of active holds, the deletion of expired claims,
    /// the hold, its claims and its seats go to the server as one batch (run in order, in the transaction). The batch
    /// writes optimistically; when the count was already at the limit or a seat was taken, nothing commits (rollback).
    /// </summary>
    private async Task<CreateHoldOutcome> TryCreateHoldAsync(HoldRow hold, IReadOnlyList<HeldSeatRow> seats, Guid[] seatIds, int maxActiveHolds, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = hold.CreateTime;

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command("SELECT pg_advisory_xact_lock(7010002, hashtext($1))", hold.UserId));
        batch.BatchCommands.Add(Command(
            "SELECT count(*)::int AS active FROM holds WHERE user_id = $1 AND released_at IS NULL AND booking_id IS NULL AND expires_at > $2", hold.UserId, now));
        batch.BatchCommands.Add(Command("DELETE FROM seat_claims WHERE show_id = $1 AND seat_id = ANY($2) AND expires_at <= $3", hold.ShowId!.Value, seatIds, now));
        batch.BatchCommands.Add(Command("""
            INSERT INTO holds (id, user_id, show_id, currency, amount_minor, create_time, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, hold.Id, hold.UserId, hold.ShowId.Value, hold.Currency, hold.AmountMinor, hold.CreateTime, hold.ExpiresAt));
        batch.BatchCommands.Add(Command("""
            INSERT INTO seat_claims (show_id, seat_id, hold_id, expires_at)
            SELECT $1, seat, $2, $3 FROM unnest($4::uuid[]) WITH ORDINALITY AS s(seat, n) ORDER BY n
            ON CONFLICT (show_id, seat_id) DO NOTHING
            RETURNING seat_id AS claimed_seat
            """, hold.ShowId.Value, hold.Id, hold.ExpiresAt, seatIds));
        batch.BatchCommands.Add(Command("""
            INSERT INTO hold_seats (hold_id, seat_id, row_label, label, category, price_minor, position)
            SELECT $1, s.seat, s.row_label, s.label, s.category, s.price, s.n - 1
            FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[]) WITH ORDINALITY AS s(seat, row_label, label, category, price, n)
            """, hold.Id, seats.Select(s => s.SeatId).ToArray(), seats.Select(s => s.RowLabel).ToArray(), seats.Select(s => s.Label).ToArray(),
            seats.Select(s => s.Category).ToArray(), seats.Select(s => s.PriceMinor).ToArray()));

        int active = 0;
        var claimed = new HashSet<Guid>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            // The two results this needs are told apart by their column names, whatever the other statements yield.
            do
            {
                if (reader.FieldCount != 1) continue;
                var column = reader.GetName(0);
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (column == "active") active = reader.GetInt32(0);
                    else if (column == "claimed_seat") claimed.Add(reader.GetGuid(0));
                }
            } while (await reader.NextResultAsync(cancellationToken));
        }
        if (active >= maxActiveHolds) return new CreateHoldOutcome.TooManyHolds(active);
        if (claimed.Count < seatIds.Length) return new CreateHoldOutcome.SeatsTaken(seatIds.Where(id => !claimed.Contains(id)).ToList());
        await transaction.CommitAsync(cancellationToken);
        return new CreateHoldOutcome.Created();
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    /// <summary>
    /// Takes <see cref="HoldRow.Quantity"/> places of a service slot for the hold, or none. The slot's counter row
    /// (slot_usage) is locked first, so holds on one slot queue there; the slot's expired claims are deleted (their
    /// trigger gives the places back); then the free places are compared with the quantity. The claim row's trigger
    /// adds to the counter and the counter's CHECK (taken &lt;= capacity) makes overfilling impossible even for a
    /// writer that skipped these steps.
    /// </summary>
    public async Task<CreateHoldOutcome> CreateSlotHoldAsync(HoldRow hold, int capacity, int maxActiveHolds, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryCreateSlotHoldAsync(hold, capacity, maxActiveHolds, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == DeadlockDetected && attempt < 3)
            {
                // This locks the slot's counter and then deletes its expired claims; the sweeper and releases delete
                // claims first and the trigger then updates the counter — the opposite order. PostgreSQL breaks
                // such a cycle by failing one side; the retry runs after the other side committed.
            }
        }
    }

    private async Task<CreateHoldOutcome> TryCreateSlotHoldAsync(HoldRow hold, int capacity, int maxActiveHolds, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = hold.CreateTime;
        var active = await CountActiveHoldsLockedAsync(transaction, hold.UserId, now);
        if (active >= maxActiveHolds) return new CreateHoldOutcome.TooManyHolds(active);

        var slot = new { hold.ServiceId, hold.SlotStart, capacity, now };
        // The catalog's capacity at the slot's first hold; later holds follow a changed capacity unless places
        // already taken exceed it (then the counter keeps the old one until enough places free up).
        await connection.ExecuteAsync("""
            INSERT INTO slot_usage (service_id, slot_start, capacity) VALUES (@ServiceId, @SlotStart, @capacity)
            ON CONFLICT (service_id, slot_start) DO UPDATE SET capacity = EXCLUDED.capacity WHERE slot_usage.taken <= EXCLUDED.capacity
            """, slot, transaction);
        await connection.ExecuteAsync("SELECT 1 FROM slot_usage WHERE service_id = @ServiceId AND slot_start = @SlotStart FOR UPDATE", slot, transaction);
        await connection.ExecuteAsync(
            "DELETE FROM slot_claims WHERE service_id = @ServiceId AND slot_start = @SlotStart AND expires_at <= @now", slot, transaction);
        var available = await connection.ExecuteScalarAsync<int>(
            "SELECT capacity - taken FROM slot_usage WHERE service_id = @ServiceId AND slot_start = @SlotStart", slot, transaction);
        if (available < hold.Quantity) return new CreateHoldOutcome.SlotFull(Math.Max(0, available));

        await connection.ExecuteAsync("""
            INSERT INTO holds (id, user_id, service_id, slot_start, quantity, currency, amount_minor, create_time, expires_at)
            VALUES (@Id, @UserId, @ServiceId, @SlotStart, @Quantity, @Currency, @AmountMinor, @CreateTime, @ExpiresAt)
            """, hold, transaction);
        try
        {
            await connection.ExecuteAsync("""
                INSERT INTO slot_claims (hold_id, service_id, slot_start, quantity, expires_at)
                VALUES (@Id, @ServiceId, @SlotStart, @Quantity, @ExpiresAt)
                """, hold, transaction);
        }
        catch (PostgresException e) when (e.SqlState == CheckViolation)
        {
            // Unreachable while every writer locks the counter first; the database refuses the overfill regardless.
            return new CreateHoldOutcome.SlotFull(0);
        }
        await transaction.CommitAsync(cancellationToken);
        return new CreateHoldOutcome.Created();
    }

    /// <summary>Serialises CreateHold per user (so the count cannot be raced past the limit), then counts the user's active holds.</summary>
    private static async Task<int> CountActiveHoldsLockedAsync(NpgsqlTransaction transaction, string userId, DateTime now)
    {
        var connection = transaction.Connection!;
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(7010002, hashtext(@userId))", new { userId }, transaction);
        return await connection.ExecuteScalarAsync<int>(CountActiveHolds, new { UserId = userId, now }, transaction);
    }

    public async Task<(HoldRow Hold, IReadOnlyList<HeldSeatRow> Seats)?> FindHoldAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var hold = await connection.QuerySingleOrDefaultAsync<HoldRow>($"SELECT {HoldColumns} FROM holds WHERE id = @id", new { id });
        if (hold is null) return null;
        var seats = (await connection.QueryAsync<HeldSeatRow>("""
            SELECT seat_id AS SeatId, row_label AS RowLabel, label, category, price_minor AS PriceMinor
            FROM hold_seats WHERE hold_id = @id ORDER BY position
            """, new { id })).AsList();
        return (hold, seats);
    }

    /// <summary>
    /// Marks the user's hold released and frees its seats or places at once. A hold that became a booking keeps its
    /// claims (they are the booking's now; cancelling the booking frees them).
    /// </summary>
    public async Task<ReleaseOutcome> ReleaseHoldAsync(Guid id, string userId, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var hold = await connection.QuerySingleOrDefaultAsync<HoldRow>(
            $"SELECT {HoldColumns} FROM holds WHERE id = @id AND user_id = @userId FOR UPDATE", new { id, userId }, transaction);
        if (hold is null) return ReleaseOutcome.NotFound;
        if (hold.ReleasedAt is not null) return ReleaseOutcome.Released;
        if (hold.BookingId is not null) return ReleaseOutcome.Booked;
        await connection.ExecuteAsync("UPDATE holds SET released_at = @now WHERE id = @id", new { id, now }, transaction);
        await HoldClaims.ReleaseAsync(transaction, id);
        await transaction.CommitAsync(cancellationToken);
        return ReleaseOutcome.Released;
    }

    /// <summary>
    /// The seats of a show with a claim that counts at <paramref name="now"/>, in one query: a claim that never
    /// expires ('infinity') is a confirmed booking's (BOOKED); any other live claim is a hold's (HELD).
    /// </summary>
    public async Task<IReadOnlyList<SeatClaimState>> ListSeatStatusAsync(Guid showId, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<SeatClaimState>(new CommandDefinition(
            "SELECT seat_id AS SeatId, expires_at = 'infinity' AS Booked FROM seat_claims WHERE show_id = @showId AND expires_at > @now ORDER BY seat_id",
            new { showId, now }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Places held or booked at <paramref name="now"/> per slot of a service starting in [from, to), in one query.</summary>
    public async Task<IReadOnlyList<SlotTaken>> ListSlotUsageAsync(Guid serviceId, DateTime from, DateTime to, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<SlotTaken>(new CommandDefinition("""
            SELECT slot_start AS SlotStart, sum(quantity)::int AS Taken FROM slot_claims
            WHERE service_id = @serviceId AND slot_start >= @from AND slot_start < @to AND expires_at > @now
            GROUP BY slot_start ORDER BY slot_start
            """, new { serviceId, from, to, now }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>
    /// Finds up to <paramref name="batch"/> holds that expired by <paramref name="now"/> (not released, not checked
    /// out, not yet recorded), records them (expired_at), deletes their expired claims and adds one
    /// booking.hold_expired event per hold to the outbox — all in one transaction. Returns the holds it recorded.
    /// SKIP LOCKED lets several replicas sweep at once without waiting on each other.
    /// </summary>
    public async Task<IReadOnlyList<HoldExpired>> SweepExpiredHoldsAsync(DateTime now, int batch, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var expired = (await connection.QueryAsync<HoldExpired>("""
            WITH due AS (
                SELECT id FROM holds
                WHERE released_at IS NULL AND expired_at IS NULL AND booking_id IS NULL AND expires_at <= @now
                ORDER BY expires_at LIMIT @batch FOR UPDATE SKIP LOCKED)
            UPDATE holds h SET expired_at = @now FROM due WHERE h.id = due.id
            RETURNING h.id AS HoldId, h.user_id AS UserId, h.show_id AS ShowId, h.service_id AS ServiceId, h.expires_at AS ExpiredAt
            """, new { now, batch }, transaction)).AsList();
        if (expired.Count == 0) return expired;

        var ids = expired.Select(e => e.HoldId).ToArray();
        // Only claims that are themselves expired: a claim a checkout extended is the checkout's to settle.
        await connection.ExecuteAsync("DELETE FROM seat_claims WHERE hold_id = ANY(@ids) AND expires_at <= @now", new { ids, now }, transaction);
        await connection.ExecuteAsync("DELETE FROM slot_claims WHERE hold_id = ANY(@ids) AND expires_at <= @now", new { ids, now }, transaction);
        foreach (var e in expired)
            await Outbox.AddAsync(transaction, HoldMessages.Expired(e), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return expired;
    }

    /// <summary>
    /// Marks up to <paramref name="batch"/> active holds (not released, expired or in checkout) that expire within
    /// (<paramref name="now"/>, <paramref name="horizon"/>] and were not warned yet, and writes a booking.hold_expiring
    /// event for each, in one transaction: a hold is warned once. Returns the warned holds.
    /// </summary>
    public async Task<IReadOnlyList<HoldExpiring>> WarnExpiringHoldsAsync(DateTime now, DateTime horizon, int batch, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var expiring = (await connection.QueryAsync<HoldExpiring>("""
            WITH due AS (
                SELECT id FROM holds
                WHERE released_at IS NULL AND expired_at IS NULL AND booking_id IS NULL AND warned_at IS NULL
                  AND expires_at > @now AND expires_at <= @horizon
                ORDER BY expires_at LIMIT @batch FOR UPDATE SKIP LOCKED)
            UPDATE holds h SET warned_at = @now FROM due WHERE h.id = due.id
            RETURNING h.id AS HoldId, h.user_id AS UserId, h.show_id AS ShowId, h.service_id AS ServiceId, h.expires_at AS ExpiresAt
            """, new { now, horizon, batch }, transaction)).AsList();
        foreach (var e in expiring)
            await Outbox.AddAsync(transaction, HoldMessages.Expiring(e), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return expiring;
    }

    /// <summary>Deletes claims that expired before <paramref name="now"/> whatever their hold; returns how many.</summary>
    public async Task<int> DeleteExpiredClaimsAsync(DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM seat_claims WHERE expires_at <= @now", new { now })
             + await connection.ExecuteAsync("DELETE FROM slot_claims WHERE expires_at <= @now", new { now });
    }
}
