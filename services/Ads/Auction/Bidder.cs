namespace Mesh.Ads.Auction;

/// <summary>
/// A campaign as the auction sees it. <see cref="ValueMilli"/> is its expected value of one impression in thousandths
/// of a minor unit: a CPM bid of B minor per thousand is B milli per impression; a CPC bid of B minor per click is
/// B × 1000 × its estimated click-through rate.
/// </summary>
public sealed record Bidder(Guid CampaignId, bool PerClick, long BidMinor, double ClickThroughRate)
{
    public long ValueMilli => PerClick ? (long)Math.Floor(BidMinor * 1000 * ClickThroughRate) : BidMinor;
}

/// <summary>What the winner of one slot pays: per impression (CPM) or per click (CPC), in thousandths of a minor unit.</summary>
public sealed record AuctionPrice(long ImpressionMilli, long ClickMilli);
