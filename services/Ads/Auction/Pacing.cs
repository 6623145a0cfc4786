namespace Mesh.Ads.Auction;

/// <summary>
/// Even budget pacing: at a moment of the UTC day a campaign may have spent the share of its daily budget that the
/// elapsed part of the day (plus <c>ahead</c>) represents — so a budget lasts the whole day instead of going in the
/// morning rush. Pure arithmetic on thousandths of a minor unit.
/// </summary>
public static class Pacing
{
    public static long AllowedMilli(long budgetMilli, DateTime now, TimeSpan ahead)
    {
        var share = (now.TimeOfDay + ahead).TotalSeconds / TimeSpan.FromDays(1).TotalSeconds;
        return share >= 1 ? budgetMilli : (long)Math.Floor(budgetMilli * share);
    }
}
