using Dapper;
using Mesh.Referral.Coupons;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Referral.Referrals;

/// <summary>The SQL of referral codes, claims and rewards (parameterised, Dapper).</summary>
public sealed class ReferralsStore(ReferralStore store)
{
    /// <summary>Written to the outbox when a referral's reward is granted.</summary>
    public const string RewardedType = "referral.rewarded";

    public sealed record Rewarded(Guid ReferralId, string ReferrerId, string ReferrerCouponCode, string InviteeId, string InviteeCouponCode, long AmountMinor, string Currency);

    private const string Columns = """
        r.id, r.referrer_id AS ReferrerId, r.invitee_id AS InviteeId, r.code, r.claim_time AS ClaimTime, r.reward_state AS RewardState,
        r.reward_reason AS RewardReason, r.first_booking_id AS FirstBookingId, rc.code AS ReferrerCouponCode, ic.code AS InviteeCouponCode,
        r.reward_time AS RewardTime
        """;

    private const string From = """
        referrals r LEFT JOIN coupons rc ON rc.id = r.referrer_coupon_id LEFT JOIN coupons ic ON ic.id = r.invitee_coupon_id
        """;

    /// <summary>The user's code, made with <paramref name="candidate"/> if they have none; null when the candidate's code is taken by someone else (the caller draws again).</summary>
    public async Task<string?> CodeOfAsync(string userId, string candidate, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        try
        {
            // Both in one statement: an existing code wins; concurrent first asks of one user race on the primary key.
            return await connection.ExecuteScalarAsync<string>("""
                WITH made AS (
                    INSERT INTO referral_codes (user_id, code, create_time) VALUES (@userId, @candidate, @now)
                    ON CONFLICT (user_id) DO NOTHING RETURNING code)
                SELECT code FROM made UNION ALL SELECT code FROM referral_codes WHERE user_id = @userId LIMIT 1
                """, new { userId, candidate, now });
        }
        catch (PostgresException e) when (e.SqlState == ReferralStore.UniqueViolation && e.ConstraintName == "referral_codes_code_key")
        {
            return null;
        }
    }

    public async Task<string?> OwnerOfCodeAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>("SELECT user_id FROM referral_codes WHERE code = @code", new { code });
    }

    public async Task<int> ClaimsOfAsync(string referrerId, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM referrals WHERE referrer_id = @referrerId", new { referrerId });
    }

    /// <summary>False when the invitee has claimed a code already (the unique invitee_id).</summary>
    public async Task<bool> InsertAsync(ReferralRow r, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync("""
                INSERT INTO referrals (id, referrer_id, invitee_id, code, claim_time, reward_state)
                VALUES (@Id, @ReferrerId, @InviteeId, @Code, @ClaimTime, 'WAITING')
                """, r);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == ReferralStore.UniqueViolation)
        {
            return false;
        }
    }

    public async Task<ReferralRow?> FindByInviteeAsync(string inviteeId, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ReferralRow>($"SELECT {Columns} FROM {From} WHERE r.invitee_id = @inviteeId", new { inviteeId });
    }

    /// <summary>The referrer's invitees, oldest claim first, keyset-paged on (claim_time, id).</summary>
    public async Task<IReadOnlyList<ReferralRow>> ListAsync(string referrerId, (DateTime ClaimTime, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ReferralRow>($"""
            SELECT {Columns} FROM {From} WHERE r.referrer_id = @referrerId AND (NOT @hasAfter OR (r.claim_time, r.id) > (@afterTime, @afterId))
            ORDER BY r.claim_time, r.id LIMIT @limit
            """, new { referrerId, hasAfter = after is not null, afterTime = after?.ClaimTime ?? DateTime.UnixEpoch, afterId = after?.Id ?? Guid.Empty, limit })).AsList();
    }

    /// <summary>booking.confirmed: the invitee's first confirmed booking becomes the one their referral's reward waits for.</summary>
    public static Task NoteConfirmedAsync(NpgsqlTransaction tx, string userId, Guid bookingId) =>
        tx.Connection!.ExecuteAsync("""
            UPDATE referrals SET first_booking_id = @bookingId
            WHERE invitee_id = @userId AND reward_state = 'WAITING' AND first_booking_id IS NULL
            """, new { userId, bookingId }, tx);

    /// <summary>booking.cancelled: a referral whose first booking this was gets no reward.</summary>
    public static Task NoteCancelledAsync(NpgsqlTransaction tx, Guid bookingId) =>
        tx.Connection!.ExecuteAsync("""
            UPDATE referrals SET reward_state = 'REFUSED', reward_reason = @reason
            WHERE first_booking_id = @bookingId AND reward_state = 'WAITING'
            """, new { bookingId, reason = ReferralReasons.FirstBookingCancelled }, tx);

    /// <summary>payment_method.saved: <paramref name="userId"/> has saved a card with this fingerprint (kept once per user and card).</summary>
    public static Task NoteCardAsync(NpgsqlTransaction tx, Guid userId, string fingerprint, DateTime now) =>
        tx.Connection!.ExecuteAsync("""
            INSERT INTO card_fingerprints (user_id, fingerprint, first_seen) VALUES (@user, @fingerprint, @now)
            ON CONFLICT (user_id, fingerprint) DO NOTHING
            """, new { user = userId.ToString(), fingerprint, now }, tx);

    /// <summary>Whether the two users have saved a card with the same fingerprint (as far as payment's events have told us yet).</summary>
    public async Task<bool> ShareACardAsync(string referrerId, string inviteeId, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        return await ShareACardAsync(connection, null, referrerId, inviteeId);
    }

    // Payment's user ids are uuids in their canonical lowercase form; referral keeps the token's subject as given.
    private static Task<bool> ShareACardAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string referrerId, string inviteeId) =>
        connection.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM card_fingerprints a JOIN card_fingerprints b ON b.fingerprint = a.fingerprint
                           WHERE a.user_id = lower(@referrerId) AND b.user_id = lower(@inviteeId))
            """, new { referrerId, inviteeId }, tx);

    /// <summary>Ids of WAITING referrals whose first booking started at or before <paramref name="startedBy"/> and was not cancelled.</summary>
    public async Task<IReadOnlyList<Guid>> ListDueAsync(DateTime startedBy, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>("""
            SELECT r.id FROM referrals r JOIN customer_bookings b ON b.booking_id = r.first_booking_id
            WHERE r.reward_state = 'WAITING' AND NOT b.cancelled AND b.starts_at <= @startedBy
            ORDER BY r.claim_time LIMIT @limit
            """, new { startedBy, limit })).AsList();
    }

    /// <summary>
    /// Grants one referral's reward, once: under its row lock it must still be WAITING with an uncancelled first booking
    /// that started by <paramref name="startedBy"/>; a card fingerprint shared by referrer and invitee refuses it
    /// (REFERRAL_SHARED_PAYMENT_CARD); otherwise the referrer's reward counter (CHECK granted ≤ max_rewards) decides
    /// between GRANTED (two reward coupons) and REFUSED (REFERRAL_REWARD_CAP). Returns the new state, or null when nothing was due.
    /// </summary>
    public async Task<string?> GrantAsync(Guid id, DateTime startedBy, int maxRewards, Func<string, CouponRow> reward, DateTime now, CancellationToken cancellationToken)
    {
        var (connection, tx) = await store.BeginAsync(cancellationToken);
        await using (connection)
        await using (tx)
        {
            var due = await connection.QuerySingleOrDefaultAsync<(string ReferrerId, string InviteeId)?>("""
                SELECT r.referrer_id, r.invitee_id FROM referrals r JOIN customer_bookings b ON b.booking_id = r.first_booking_id
                WHERE r.id = @id AND r.reward_state = 'WAITING' AND NOT b.cancelled AND b.starts_at <= @startedBy
                FOR UPDATE OF r
                """, new { id, startedBy }, tx);
            if (due is not { } d) return null;
            // The shared-card rule first: a refused reward takes no place under the referrer's cap.
            if (await ShareACardAsync(connection, tx, d.ReferrerId, d.InviteeId))
            {
                await connection.ExecuteAsync("UPDATE referrals SET reward_state = 'REFUSED', reward_reason = @reason, reward_time = @now WHERE id = @id",
                    new { id, reason = ReferralReasons.SharedPaymentCard, now }, tx);
                await tx.CommitAsync(cancellationToken);
                return RewardStates.Refused;
            }
            var counted = await connection.ExecuteAsync("""
                INSERT INTO referrer_rewards (referrer_id, granted, max_rewards) VALUES (@ReferrerId, 1, @maxRewards)
                ON CONFLICT (referrer_id) DO UPDATE SET granted = referrer_rewards.granted + 1
                WHERE referrer_rewards.granted < referrer_rewards.max_rewards
                """, new { d.ReferrerId, maxRewards }, tx);
            string state;
            if (counted == 0)
            {
                state = RewardStates.Refused;
                await connection.ExecuteAsync("UPDATE referrals SET reward_state = 'REFUSED', reward_reason = @reason, reward_time = @now WHERE id = @id",
                    new { id, reason = ReferralReasons.RewardCap, now }, tx);
            }
            else
            {
                state = RewardStates.Granted;
                var forReferrer = reward(d.ReferrerId);
                var forInvitee = reward(d.InviteeId);
                await CouponsStore.InsertAsync(tx, forReferrer);
                await CouponsStore.InsertAsync(tx, forInvitee);
                await connection.ExecuteAsync("""
                    UPDATE referrals SET reward_state = 'GRANTED', referrer_coupon_id = @referrer, invitee_coupon_id = @invitee, reward_time = @now WHERE id = @id
                    """, new { id, referrer = forReferrer.Id, invitee = forInvitee.Id, now }, tx);
                // For whoever tells people (a notification service): both coupons, in the same transaction as the grant.
                await Outbox.AddAsync(tx, OutboxMessage.Json(RewardedType,
                    new Rewarded(id, d.ReferrerId, forReferrer.Code, d.InviteeId, forInvitee.Code, forReferrer.AmountOffMinor, forReferrer.Currency)));
            }
            await tx.CommitAsync(cancellationToken);
            return state;
        }
    }
}
