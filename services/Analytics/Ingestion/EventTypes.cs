namespace Mesh.Analytics.Ingestion;

/// <summary>The event types analytics knows, who may send each, and how much each counts towards trending.</summary>
public static class EventTypes
{
    /// <summary>What a browser or app reports over the edge.</summary>
    public static readonly IReadOnlySet<string> Client = new HashSet<string>(StringComparer.Ordinal)
    {
        "view", "click", "search", "add_to_hold", "ad_impression", "ad_click",
    };

    /// <summary>What services report (StreamEvents, or their own outbox events on mesh.events): the client's types and the business facts.</summary>
    public static readonly IReadOnlySet<string> Internal = new HashSet<string>(Client, StringComparer.Ordinal)
    {
        "hold", "hold_expired", "booking", "booking_cancelled", "booking_failed", "payment", "sign_in",
    };

    /// <summary>Trending weight: a booking says more than a hold, a hold more than a click, a click more than a view.</summary>
    public static double TrendingWeight(string type) => type switch
    {
        "view" => 1,
        "click" or "ad_click" => 2,
        "add_to_hold" or "hold" => 4,
        "booking" => 8,
        _ => 0,
    };

    /// <summary>The funnel step an event of a show is, or null.</summary>
    public static string? FunnelStep(string type) => type switch
    {
        "view" or "click" => "viewed",
        "add_to_hold" or "hold" or "hold_expired" => "held",
        "booking" => "booked",
        _ => null,
    };
}
