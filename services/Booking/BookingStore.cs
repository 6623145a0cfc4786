using Dapper;
using Npgsql;

namespace Mesh.Booking;

/// <summary>
/// All SQL of booking, parameterised (Dapper), against bookingdb. "Now" always comes from the caller (the service's
/// TimeProvider), never from the database clock, so expiry is one consistent notion of time.
/// </summary>
public sealed class BookingStore(NpgsqlDataSource db)
{
    private const string DeadlockDetected = "40P01";
    private const string HoldColumns = "id, user_id AS UserId, show_id AS ShowId, currency, amount_minor AS AmountMinor, create_time AS CreateTime, expires_at AS ExpiresAt, released_at AS ReleasedAt";

    /// <summary>Applies the embedded Migrations/*.sql not yet applied, in name order, each in its own transaction, one replica at a time.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var assembly = typeof(BookingStore).Assembly;
        var scripts = assembly.GetManifestResourceNames().Where(n => n.StartsWith("Migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
        foreach (var script in scripts)
        {
            var version = script["Migrations/".Length..^".sql".Length];
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(7010001)", transaction: transaction);   // serialises replicas starting together
            var applied = await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = @version)", new { version }, transaction);
            if (!applied)
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(script)!);
                await connection.ExecuteAsync(await reader.ReadToEndAsync(cancellationToken), transaction: transaction);
                await connection.ExecuteAsync("INSERT INTO schema_migrations (version) VALUES (@version)", new { version }, transaction);
            }
            await transaction.CommitAsync(cancellationToken);
        }
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

    private async Task<CreateHoldOutcome> TryCreateHoldAsync(HoldRow hold, IReadOnlyList<HeldSeatRow> seats, Guid[] seatIds, int maxActiveHolds, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = hold.CreateTime;

        // One CreateHold per user at a time, so the count below cannot be raced past the limit.
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(7010002, hashtext(@UserId))", new { hold.UserId }, transaction);
        var active = await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM holds WHERE user_id = @UserId AND released_at IS NULL AND expires_at > @now", new { hold.UserId, now }, transaction);
        if (active >= maxActiveHolds) return new CreateHoldOutcome.TooManyHolds(active);

        await connection.ExecuteAsync(
            "DELETE FROM seat_claims WHERE show_id = @ShowId AND seat_id = ANY(@seatIds) AND expires_at <= @now", new { hold.ShowId, seatIds, now }, transaction);
        await connection.ExecuteAsync("""
            INSERT INTO holds (id, user_id, show_id, currency, amount_minor, create_time, expires_at)
            VALUES (@Id, @UserId, @ShowId, @Currency, @AmountMinor, @CreateTime, @ExpiresAt)
            """, hold, transaction);
        var claimed = (await connection.QueryAsync<Guid>("""
            INSERT INTO seat_claims (show_id, seat_id, hold_id, expires_at)
            SELECT @ShowId, seat, @Id, @ExpiresAt FROM unnest(@seatIds) WITH ORDINALITY AS s(seat, n) ORDER BY n
            ON CONFLICT (show_id, seat_id) DO NOTHING
            RETURNING seat_id
            """, new { hold.ShowId, hold.Id, hold.ExpiresAt, seatIds }, transaction)).ToHashSet();
        if (claimed.Count < seatIds.Length)
        {
            await transaction.RollbackAsync(cancellationToken);
            return new CreateHoldOutcome.SeatsTaken(seatIds.Where(id => !claimed.Contains(id)).ToList());
        }

        await connection.ExecuteAsync("""
            INSERT INTO hold_seats (hold_id, seat_id, row_label, label, category, price_minor, position)
            VALUES (@HoldId, @SeatId, @RowLabel, @Label, @Category, @PriceMinor, @Position)
            """, seats.Select((s, i) => new { HoldId = hold.Id, s.SeatId, s.RowLabel, s.Label, s.Category, s.PriceMinor, Position = i }), transaction);
        await transaction.CommitAsync(cancellationToken);
        return new CreateHoldOutcome.Created();
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

    /// <summary>Marks the user's hold released and frees its seats at once; false when the user has no such hold.</summary>
    public async Task<bool> ReleaseHoldAsync(Guid id, string userId, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM holds WHERE id = @id AND user_id = @userId)", new { id, userId }, transaction);
        if (!exists) return false;
        await connection.ExecuteAsync("UPDATE holds SET released_at = @now WHERE id = @id AND released_at IS NULL", new { id, now }, transaction);
        await HoldClaims.ReleaseAsync(transaction, id);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The seats of a show with an active claim at <paramref name="now"/> (expired claims are free, swept or not).</summary>
    public async Task<IReadOnlyList<Guid>> ListHeldSeatsAsync(Guid showId, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>(
            "SELECT seat_id FROM seat_claims WHERE show_id = @showId AND expires_at > @now", new { showId, now })).AsList();
    }

    /// <summary>Deletes claims that expired before <paramref name="now"/>; returns how many.</summary>
    public async Task<int> DeleteExpiredClaimsAsync(DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM seat_claims WHERE expires_at <= @now", new { now });
    }
}
