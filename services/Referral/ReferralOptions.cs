namespace Mesh.Referral;

/// <summary><c>Referral</c> configuration; every default is the production value.</summary>
public sealed class ReferralOptions
{
    public const string SectionName = "Referral";

    /// <summary>Connection string name (ConnectionStrings:{name}).</summary>
    public string Database { get; set; } = "referraldb";

    /// <summary>
    /// How long a redemption stays RESERVED without booking's word. Longer than booking's checkout deadline plus its
    /// claim grace (2 + 1 minutes by default): by then booking has confirmed or failed the booking in nearly every case;
    /// a confirmation arriving later still finds the redemption (ADR 0009).
    /// </summary>
    public TimeSpan ReservationTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often expired reservations are released and due referral rewards granted.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A referral can be claimed only by an account at most this old (its creation time as the users service tells the caller).</summary>
    public TimeSpan ClaimWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>At most this many rewarded referrals per referrer; later ones are REFUSED (REFERRAL_REWARD_CAP).</summary>
    public int MaxRewardsPerReferrer { get; set; } = 10;

    /// <summary>The reward coupon each side gets: a fixed amount off, valid this long, redeemable once by its owner.</summary>
    public long RewardAmountMinor { get; set; } = 500;
    public string RewardCurrency { get; set; } = "EUR";
    public TimeSpan RewardValidity { get; set; } = TimeSpan.FromDays(90);
}
