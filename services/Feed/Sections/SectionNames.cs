namespace Mesh.Feed.Sections;

/// <summary>The names of the feed's sections, in the order a page shows them (the contract's FeedSection.name).</summary>
public static class SectionNames
{
    public const string Trending = "trending";
    public const string Suggested = "suggested";
    public const string Upcoming = "upcoming";
    public const string NewInCity = "new_in_city";
    public const string TopRated = "top_rated";

    /// <summary>Named in missing_sections when the ads service did not answer.</summary>
    public const string Ads = "ads";

    public static readonly string[] Order = [Trending, Suggested, Upcoming, NewInCity, TopRated];
}
