namespace Mesh.Chaos.Invariants;

/// <summary>Coupons: redemptions never above a coupon's limits, and each counter equal to the live redemptions behind it.</summary>
public static class CouponInvariants
{
    public static async Task<InvariantResult> WithinLimitsAsync(MeshDatabases db, CancellationToken ct)
    {
        var coupons = await db.QueryAsync<(string Code, int Redeemed, int TotalLimit, long Live)>("referraldb", """
            SELECT c.code, c.redeemed, c.total_limit,
                   (SELECT count(*) FROM redemptions r WHERE r.coupon_id = c.id AND r.state <> 'RELEASED')
            FROM coupons c
            """, ct);
        var overUser = await db.ScalarAsync<long>("referraldb", "SELECT count(*) FROM coupon_users WHERE redeemed > per_user_limit", ct);
        var bad = coupons.Where(c => c.Redeemed > c.TotalLimit || c.Redeemed != c.Live).ToList();
        return new("coupon redemptions never above their limits", bad.Count == 0 && overUser == 0,
            string.Join(", ", coupons.Take(5).Select(c => $"{c.Code} {c.Redeemed}/{c.TotalLimit} ({c.Live} live)")) + $"; {overUser} users over their limit"
            + string.Concat(bad.Take(3).Select(c => $"; {c.Code}: counter {c.Redeemed}, limit {c.TotalLimit}, live {c.Live}")));
    }
}
