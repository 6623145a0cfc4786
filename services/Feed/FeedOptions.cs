namespace Mesh.Feed;

/// <summary><c>Feed</c> configuration; every default is the production value.</summary>
public sealed class FeedOptions
{
    public const string SectionName = "Feed";

    /// <summary>Connection string name (ConnectionStrings:{name}).</summary>
    public string Database { get; set; } = "feeddb";

    /// <summary>Connection string name of the shared Redis.</summary>
    public string Redis { get; set; } = "cache";

    /// <summary>Prefix of every Redis key this service writes (several services share one Redis).</summary>
    public string RedisKeyPrefix { get; set; } = "feed:";

    /// <summary>How long a computed feed is reused. A booking of the user drops theirs at once; zero turns caching off.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The deadline of each upstream call: a section whose upstream has not answered by then is left out.</summary>
    public TimeSpan UpstreamDeadline { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>Items kept per section (pages are cut from them).</summary>
    public int SectionLimit { get; set; } = 50;

    /// <summary>Suggested shows checked for seats left (the rest are not suggested: an unchecked show might be sold out).</summary>
    public int SoldOutChecks { get; set; } = 20;

    /// <summary>Ad slots per page.</summary>
    public int AdSlots { get; set; } = 2;
}
