using Mesh.Ads.Auction;

namespace Mesh.Ads.Tests;

/// <summary>The auction and pacing rules on their own (pure functions).</summary>
public sealed class AuctionTests
{
    private static readonly Guid A = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid B = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid C = Guid.Parse("00000000-0000-0000-0000-00000000000c");

    [Fact]
    public void The_winner_pays_the_runner_up_s_value_and_the_last_pays_the_reserve()
    {
        var ranked = SecondPriceAuction.Rank([new Bidder(B, false, 1500, 0), new Bidder(A, false, 2000, 0), new Bidder(C, false, 50, 0)], reserveMilli: 100);
        Assert.Equal([A, B], ranked.Select(b => b.CampaignId));   // C bids under the reserve
        Assert.Equal(new AuctionPrice(1500, 0), SecondPriceAuction.Price(ranked, 0, 100));
        Assert.Equal(new AuctionPrice(100, 0), SecondPriceAuction.Price(ranked, 1, 100));
    }

    [Fact]
    public void A_cpc_bid_competes_by_expected_value_and_pays_per_click()
    {
        // CPC 50 minor per click at 2% CTR = 1000 milli per impression; CPM 800 = 800 milli.
        var ranked = SecondPriceAuction.Rank([new Bidder(A, false, 800, 0), new Bidder(B, true, 50, 0.02)], reserveMilli: 100);
        Assert.Equal([B, A], ranked.Select(b => b.CampaignId));
        Assert.Equal(new AuctionPrice(0, 40_000), SecondPriceAuction.Price(ranked, 0, 100));   // 800 / 0.02 = 40,000 milli = 40 minor per click
    }

    [Fact]
    public void Ties_go_to_the_older_campaign_and_a_price_never_passes_the_bid()
    {
        var ranked = SecondPriceAuction.Rank([new Bidder(B, false, 700, 0), new Bidder(A, false, 700, 0)], reserveMilli: 100);
        Assert.Equal([A, B], ranked.Select(b => b.CampaignId));
        Assert.Equal(700, SecondPriceAuction.Price(ranked, 0, 100).ImpressionMilli);
        Assert.Equal(150, SecondPriceAuction.Price(SecondPriceAuction.Rank([new Bidder(A, false, 150, 0)], 100), 0, 200).ImpressionMilli);
    }

    [Fact]
    public void Pacing_allows_the_elapsed_share_of_the_day_plus_an_hour_ahead()
    {
        var day = new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc);
        Assert.Equal(24_000 / 24, Pacing.AllowedMilli(24_000, day, TimeSpan.FromHours(1)));
        Assert.Equal(24_000 * 7 / 24, Pacing.AllowedMilli(24_000, day.AddHours(6), TimeSpan.FromHours(1)));
        Assert.Equal(24_000, Pacing.AllowedMilli(24_000, day.AddHours(23).AddMinutes(30), TimeSpan.FromHours(1)));
    }
}
