namespace Mesh.Ads;

/// <summary><c>Ads</c> configuration; every default is the production value.</summary>
public sealed class AdsOptions
{
    public const string SectionName = "Ads";

    /// <summary>Connection string name (ConnectionStrings:{name}).</summary>
    public string Database { get; set; } = "adsdb";

    /// <summary>The one currency of the ads market: bids of different currencies could not be compared in an auction.</summary>
    public string Currency { get; set; } = "EUR";

    /// <summary>Impressions of one campaign per viewer and UTC day.</summary>
    public int FrequencyCap { get; set; } = 3;

    /// <summary>
    /// The lowest price per thousand impressions (minor units) a winner pays: the second price when only one campaign
    /// bids, and the floor under which a bid does not take part.
    /// </summary>
    public long ReservePriceCpm { get; set; } = 100;

    /// <summary>
    /// Even pacing: by a moment of the day a campaign may have spent the elapsed share of its daily budget plus this
    /// much of the day ahead (so a campaign can start spending right after midnight).
    /// </summary>
    public TimeSpan PacingAhead { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The click-through rate assumed for a CPC campaign without history (its prior), as clicks per impressions.</summary>
    public int PriorClicks { get; set; } = 1;
    public int PriorImpressions { get; set; } = 100;
}
