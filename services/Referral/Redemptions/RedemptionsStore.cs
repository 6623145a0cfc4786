using Dapper;
using Npgsql;

namespace Mesh.Referral.Redemptions;

/// <summary>
/// The SQL of redemptions. Every state change moves the coupon's counters (coupons.redeemed and coupon_users.redeemed)
/// in the same transaction; their CHECK constraints are what finally holds the limits. Locks are taken in one order
/// (the redemption, then the coupon, then the coupon's user row), so reservations and releases never deadlock.
/// </summary>
public sealed class RedemptionsStore(ReferralStore store)
{
    private const string Columns = """
        r.id, r.booking_id AS BookingId, r.coupon_id AS CouponId, c.code, r.user_id AS UserId, r.discount_minor AS DiscountMinor,
        r.currency, r.state, r.reserve_time AS ReserveTime, r.expires_at AS ExpiresAt, r.settle_time AS SettleTime, r.release_reason AS ReleaseReason
        """;

    public enum ReserveOutcome { Reserved, Exhausted, UserLimit }

    public async Task<RedemptionRow?> FindAsync(Guid bookingId, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<RedemptionRow>(
            $"SELECT {Columns} FROM redemptions r JOIN coupons c ON c.id = r.coupon_id WHERE r.booking_id = @bookingId", new { bookingId });
    }

    /// <summary>
    /// Takes one redemption of the coupon for the booking: the total counter (conditional UPDATE: waits for the
    /// coupon's row lock, then re-reads the count), the user's counter, the RESERVED row — or nothing. A concurrent
    /// reservation for the same booking makes this one fail on the booking's unique key (the caller re-reads).
    /// </summary>
    public async Task<ReserveOutcome> ReserveAsync(RedemptionRow r, int perUserLimit, CancellationToken cancellationToken)
    {
        var (connection, tx) = await store.BeginAsync(cancellationToken);
        await using (connection)
        await using (tx)
        {
            var taken = await connection.ExecuteAsync(
                "UPDATE coupons SET redeemed = redeemed + 1 WHERE id = @CouponId AND redeemed < total_limit", r, tx);
            if (taken == 0) return ReserveOutcome.Exhausted;
            var mine = await connection.ExecuteAsync("""
                INSERT INTO coupon_users (coupon_id, user_id, redeemed, per_user_limit) VALUES (@CouponId, @UserId, 1, @perUserLimit)
                ON CONFLICT (coupon_id, user_id) DO UPDATE SET redeemed = coupon_users.redeemed + 1
                WHERE coupon_users.redeemed < coupon_users.per_user_limit
                """, new { r.CouponId, r.UserId, perUserLimit }, tx);
            if (mine == 0) return ReserveOutcome.UserLimit; // rolled back: the total counter too
            await connection.ExecuteAsync("""
                INSERT INTO redemptions (id, booking_id, coupon_id, user_id, discount_minor, currency, state, reserve_time, expires_at)
                VALUES (@Id, @BookingId, @CouponId, @UserId, @DiscountMinor, @Currency, 'RESERVED', @ReserveTime, @ExpiresAt)
                """, r, tx);
            await tx.CommitAsync(cancellationToken);
            return ReserveOutcome.Reserved;
        }
    }

    /// <summary>
    /// RESERVED → CONFIRMED. A redemption released too early — by the sweeper (expired) or by a saga that believed its
    /// booking was never written (NOT_BOOKED; the confirmation proves it was) — is taken again if the limits still allow
    /// it; otherwise the booking keeps its discount uncounted (CONFIRMED_AFTER_EXPIRY_OVER_LIMIT), never silently.
    /// </summary>
    public static async Task<RedemptionRow?> ConfirmAsync(NpgsqlTransaction tx, Guid bookingId, DateTime now)
    {
        var row = await LockAsync(tx, bookingId);
        if (row is null || row.State == RedemptionStates.Confirmed) return row;
        if (row.State == RedemptionStates.Released)
        {
            // Only a reservation released before booking could confirm it comes back: booking charged the discounted
            // amount already. One released by booking's own failure or cancellation events stays released.
            if (row.ReleaseReason is not (ReleaseReasons.Expired or ReleaseReasons.NotBooked)) return row;
            if (!await RetakeAsync(tx, row))
            {
                await tx.Connection!.ExecuteAsync("UPDATE redemptions SET release_reason = @reason, settle_time = @now WHERE id = @Id",
                    new { row.Id, reason = ReleaseReasons.ConfirmedOverLimit, now }, tx);
                row.ReleaseReason = ReleaseReasons.ConfirmedOverLimit;
                return row;
            }
        }
        await tx.Connection!.ExecuteAsync("UPDATE redemptions SET state = 'CONFIRMED', release_reason = NULL, settle_time = @now WHERE id = @Id", new { row.Id, now }, tx);
        row.State = RedemptionStates.Confirmed;
        row.ReleaseReason = null;
        return row;
    }

    /// <summary>
    /// Releases the booking's redemption if it is in one of <paramref name="from"/> states, giving its place back to
    /// both counters. Anything else (already released, confirmed when only RESERVED may go) is left as it is.
    /// </summary>
    public static async Task<RedemptionRow?> ReleaseAsync(NpgsqlTransaction tx, Guid bookingId, string reason, DateTime now, params string[] from)
    {
        var row = await LockAsync(tx, bookingId);
        if (row is null || !from.Contains(row.State)) return row;
        await tx.Connection!.ExecuteAsync("""
            UPDATE redemptions SET state = 'RELEASED', release_reason = @reason, settle_time = @now WHERE id = @Id;
            UPDATE coupons SET redeemed = redeemed - 1 WHERE id = @CouponId;
            UPDATE coupon_users SET redeemed = redeemed - 1 WHERE coupon_id = @CouponId AND user_id = @UserId
            """, new { row.Id, row.CouponId, row.UserId, reason, now }, tx);
        row.State = RedemptionStates.Released;
        row.ReleaseReason = reason;
        return row;
    }

    /// <summary>Booking ids of reservations past their TTL, oldest first.</summary>
    public async Task<IReadOnlyList<Guid>> ListExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>(
            "SELECT booking_id FROM redemptions WHERE state = 'RESERVED' AND expires_at <= @now ORDER BY expires_at LIMIT @limit", new { now, limit })).AsList();
    }

    private static Task<RedemptionRow?> LockAsync(NpgsqlTransaction tx, Guid bookingId) =>
        tx.Connection!.QuerySingleOrDefaultAsync<RedemptionRow?>(
            $"SELECT {Columns} FROM redemptions r JOIN coupons c ON c.id = r.coupon_id WHERE r.booking_id = @bookingId FOR UPDATE OF r", new { bookingId }, tx);

    /// <summary>Counts a released redemption again, if both limits allow it (the coupon row locked first, as everywhere).</summary>
    private static async Task<bool> RetakeAsync(NpgsqlTransaction tx, RedemptionRow row)
    {
        var connection = tx.Connection!;
        var total = await connection.QuerySingleAsync<(int Redeemed, int Limit)>(
            "SELECT redeemed, total_limit FROM coupons WHERE id = @CouponId FOR UPDATE", row, tx);
        var user = await connection.QuerySingleOrDefaultAsync<(int Redeemed, int Limit)?>(
            "SELECT redeemed, per_user_limit FROM coupon_users WHERE coupon_id = @CouponId AND user_id = @UserId FOR UPDATE", row, tx);
        if (total.Redeemed >= total.Limit || user is { } u && u.Redeemed >= u.Limit) return false;
        await connection.ExecuteAsync("""
            UPDATE coupons SET redeemed = redeemed + 1 WHERE id = @CouponId;
            UPDATE coupon_users SET redeemed = redeemed + 1 WHERE coupon_id = @CouponId AND user_id = @UserId
            """, row, tx);
        return true;
    }
}
