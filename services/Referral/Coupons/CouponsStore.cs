using Dapper;
using Npgsql;

namespace Mesh.Referral.Coupons;

/// <summary>The SQL of coupons (parameterised, Dapper).</summary>
public sealed class CouponsStore(NpgsqlDataSource db)
{
    public const string Columns = """
        id, code, kind, percent_off AS PercentOff, amount_off_minor AS AmountOffMinor, currency, min_spend_minor AS MinSpendMinor,
        max_discount_minor AS MaxDiscountMinor, start_time AS StartTime, end_time AS EndTime, total_limit AS TotalLimit,
        per_user_limit AS PerUserLimit, redeemed, scope_city_id AS ScopeCityId, scope_category AS ScopeCategory,
        scope_show_id AS ScopeShowId, first_booking_only AS FirstBookingOnly, owner_id AS OwnerId, created_by AS CreatedBy,
        create_time AS CreateTime
        """;

    private const string InsertSql = """
        INSERT INTO coupons (id, code, kind, percent_off, amount_off_minor, currency, min_spend_minor, max_discount_minor, start_time,
            end_time, total_limit, per_user_limit, scope_city_id, scope_category, scope_show_id, first_booking_only, owner_id, created_by, create_time)
        VALUES (@Id, @Code, @Kind, @PercentOff, @AmountOffMinor, @Currency, @MinSpendMinor, @MaxDiscountMinor, @StartTime,
            @EndTime, @TotalLimit, @PerUserLimit, @ScopeCityId, @ScopeCategory, @ScopeShowId, @FirstBookingOnly, @OwnerId, @CreatedBy, @CreateTime)
        """;

    /// <summary>False when the code is taken.</summary>
    public async Task<bool> InsertAsync(CouponRow coupon, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(InsertSql, coupon);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == ReferralStore.UniqueViolation)
        {
            return false;
        }
    }

    /// <summary>Inserts a coupon inside the caller's transaction (reward coupons, with their referral's state change).</summary>
    public static Task InsertAsync(NpgsqlTransaction tx, CouponRow coupon) => tx.Connection!.ExecuteAsync(InsertSql, coupon, tx);

    public async Task<CouponRow?> FindByCodeAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<CouponRow>($"SELECT {Columns} FROM coupons WHERE code = @code", new { code });
    }

    /// <summary>The user's own coupons (issued to them or created by them), newest first, keyset-paged on (create_time, id).</summary>
    public async Task<IReadOnlyList<CouponRow>> ListOwnAsync(string userId, (DateTime CreateTime, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<CouponRow>($"""
            SELECT {Columns} FROM coupons WHERE (owner_id = @userId OR created_by = @userId)
              AND (NOT @hasAfter OR (create_time, id) < (@afterTime, @afterId))
            ORDER BY create_time DESC, id DESC LIMIT @limit
            """, new { userId, hasAfter = after is not null, afterTime = after?.CreateTime ?? DateTime.UnixEpoch, afterId = after?.Id ?? Guid.Empty, limit })).AsList();
    }

    /// <summary>Whether referral has heard of a confirmed booking of this user (first_booking_only coupons).</summary>
    public async Task<bool> HasBookedAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM customer_bookings WHERE user_id = @userId)", new { userId });
    }
}
