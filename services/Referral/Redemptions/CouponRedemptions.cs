using Mesh.Referral.Coupons;
using Npgsql;

namespace Mesh.Referral.Redemptions;

/// <summary>
/// Redemption of coupons for booking's checkout saga: reserve (idempotent per booking id, under the limits the database
/// holds), release a reservation whose booking was never written, and — from booking's events and the TTL sweeper —
/// confirm or release. Each state change is one transaction in referral's database; see docs/decisions/0009.
/// </summary>
public sealed class CouponRedemptions(CouponsStore coupons, RedemptionsStore redemptions, ReferralStore store, ReferralOptions options, TimeProvider time, ILogger<CouponRedemptions> logger)
{
    private DateTime Now => Microseconds(time.GetUtcNow().UtcDateTime);

    // PostgreSQL keeps microseconds: answers and later reads of the same row must agree.
    public static DateTime Microseconds(DateTime value) => value.AddTicks(-(value.Ticks % 10));

    /// <summary>The coupon for <paramref name="code"/> that this user may see (a reward coupon is only its owner's), or COUPON_UNKNOWN.</summary>
    public async Task<CouponRow> FindUsableAsync(string code, string userId, CancellationToken cancellationToken)
    {
        var coupon = await coupons.FindByCodeAsync(code.ToUpperInvariant(), cancellationToken);
        return coupon is not null && (coupon.OwnerId is null || coupon.OwnerId == userId) ? coupon : throw CouponErrors.Unknown(code);
    }

    /// <summary>The discount the coupon would give now (no reservation): the preview of ValidateCoupon.</summary>
    public async Task<long> PreviewAsync(CouponRow coupon, BookingFacts facts, CancellationToken cancellationToken)
    {
        var discount = CouponTerms.Discount(coupon, facts, Now, await coupons.HasBookedAsync(facts.UserId, cancellationToken));
        if (coupon.Redeemed >= coupon.TotalLimit) throw CouponErrors.Exhausted(coupon.Code);
        return discount;
    }

    /// <summary>
    /// Reserves one redemption of <paramref name="code"/> for <paramref name="bookingId"/>. Asking again for the same
    /// booking answers the same redemption (whatever its state), so the saga may retry freely.
    /// </summary>
    public async Task<RedemptionRow> ReserveAsync(Guid bookingId, string code, BookingFacts facts, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await redemptions.FindAsync(bookingId, cancellationToken) is { } existing)
                return existing.UserId == facts.UserId ? existing : throw CouponErrors.Unknown(code);
            var coupon = await FindUsableAsync(code, facts.UserId, cancellationToken);
            var now = Now;
            var discount = CouponTerms.Discount(coupon, facts, now, await coupons.HasBookedAsync(facts.UserId, cancellationToken));
            // Used up when read: refused without queueing on the coupon's row lock (a place released since then is
            // taken by the next request). The conditional UPDATE below is what holds the limit.
            if (coupon.Redeemed >= coupon.TotalLimit) throw CouponErrors.Exhausted(coupon.Code);
            var row = new RedemptionRow
            {
                Id = Guid.CreateVersion7(), BookingId = bookingId, CouponId = coupon.Id, Code = coupon.Code, UserId = facts.UserId,
                DiscountMinor = discount, Currency = facts.Currency.ToUpperInvariant(), State = RedemptionStates.Reserved,
                ReserveTime = now, ExpiresAt = now + options.ReservationTtl,
            };
            try
            {
                return await redemptions.ReserveAsync(row, coupon.PerUserLimit, cancellationToken) switch
                {
                    RedemptionsStore.ReserveOutcome.Reserved => row,
                    RedemptionsStore.ReserveOutcome.Exhausted => throw CouponErrors.Exhausted(coupon.Code),
                    _ => throw CouponErrors.UserLimit(coupon.Code),
                };
            }
            catch (PostgresException e) when (e.SqlState == ReferralStore.UniqueViolation && attempt < 3)
            {
                // The same booking reserved concurrently: the next attempt answers that reservation.
            }
        }
    }

    /// <summary>Releases the caller's reservation for a booking that was never written (RESERVED only; a confirmed one stays).</summary>
    public async Task<RedemptionRow?> ReleaseUnbookedAsync(Guid bookingId, string userId, CancellationToken cancellationToken)
    {
        var current = await redemptions.FindAsync(bookingId, cancellationToken);
        if (current is null || current.UserId != userId) return null;
        return await InTransactionAsync(tx => RedemptionsStore.ReleaseAsync(tx, bookingId, ReleaseReasons.NotBooked, Now, RedemptionStates.Reserved), cancellationToken);
    }

    /// <summary>
    /// Releases a reservation past its TTL that nobody confirmed (the sweeper). Under the row lock: one confirmed or
    /// released meanwhile is left as it is (its TTL never changes, so the listing's expiry still holds).
    /// </summary>
    public Task<RedemptionRow?> ExpireAsync(Guid bookingId, CancellationToken cancellationToken) =>
        InTransactionAsync(tx => RedemptionsStore.ReleaseAsync(tx, bookingId, ReleaseReasons.Expired, Now, RedemptionStates.Reserved), cancellationToken);

    private async Task<RedemptionRow?> InTransactionAsync(Func<NpgsqlTransaction, Task<RedemptionRow?>> work, CancellationToken cancellationToken)
    {
        var (connection, tx) = await store.BeginAsync(cancellationToken);
        await using (connection)
        await using (tx)
        {
            var row = await work(tx);
            await tx.CommitAsync(cancellationToken);
            if (row?.State == RedemptionStates.Released) logger.LogInformation("Redemption of booking {BookingId} released ({Reason})", row.BookingId, row.ReleaseReason);
            return row;
        }
    }
}
