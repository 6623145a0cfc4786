namespace Mesh.Ads.Auction;

/// <summary>
/// The second-price auction of one ad slot (docs/decisions/0016): bidders are ranked by their expected value of an
/// impression (then the older campaign first, for a stable order); the winner pays what it would have needed to beat
/// the runner-up — the runner-up's value, or the reserve price when there is none — never more than its own bid.
/// A CPC winner pays per click: that value divided by its own click-through rate. Pure, so it is tested without a server.
/// </summary>
public static class SecondPriceAuction
{
    /// <summary>Bidders from the best to the worst; those under the reserve price take no part.</summary>
    public static IReadOnlyList<Bidder> Rank(IEnumerable<Bidder> bidders, long reserveMilli) =>
        bidders.Where(b => b.ValueMilli >= reserveMilli && b.ValueMilli > 0)
            .OrderByDescending(b => b.ValueMilli).ThenBy(b => b.CampaignId).ToList();

    /// <summary>The price of <paramref name="ranked"/>[<paramref name="winner"/>], given those ranked after it.</summary>
    public static AuctionPrice Price(IReadOnlyList<Bidder> ranked, int winner, long reserveMilli)
    {
        var bidder = ranked[winner];
        var second = winner + 1 < ranked.Count ? ranked[winner + 1].ValueMilli : reserveMilli;
        var value = Math.Min(Math.Max(second, reserveMilli), bidder.ValueMilli);
        if (!bidder.PerClick) return new AuctionPrice(value, 0);
        var perClick = (long)Math.Ceiling(value / bidder.ClickThroughRate);
        return new AuctionPrice(0, Math.Min(perClick, bidder.BidMinor * 1000));
    }
}
