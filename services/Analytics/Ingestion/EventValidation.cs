using Mesh.Analytics.V1;

namespace Mesh.Analytics.Ingestion;

/// <summary>
/// Judges each event of a batch on its own (issue 23: the valid rest of a batch is kept): the first problem of an
/// event becomes its <see cref="RejectedEvent"/>, naming the field as "events[i].field".
/// </summary>
public sealed class EventValidation(AnalyticsOptions options, TimeProvider time)
{
    public const int MaxBatch = 500;
    private const int MaxAttributes = 20;
    private const int MaxKey = 64;
    private const int MaxValue = 512;
    private const int MaxId = 128;

    /// <summary>Who sent the batch: a signed-in user (the edge fills user_id from the token), or an internal producer.</summary>
    public sealed record Sender(string? UserId, bool Internal);

    /// <summary>INVALID_ARGUMENT naming "events" for an empty or oversize batch (nothing is kept then).</summary>
    public static void CheckBatchSize(int count)
    {
        if (count == 0) new FieldViolations().Add("events", "must hold at least one event").ThrowIfAny();
        if (count > MaxBatch) new FieldViolations().Add("events", $"must hold at most {MaxBatch} events (got {count})").ThrowIfAny();
    }

    /// <summary>The accepted events with their index in the batch (normalised: user from the token on the edge) and the rejected ones.</summary>
    public (List<(int Index, AnalyticsEvent Event)> Accepted, List<RejectedEvent> Rejected) Judge(IReadOnlyList<AnalyticsEvent> events, Sender sender)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var accepted = new List<(int, AnalyticsEvent)>(events.Count);
        var rejected = new List<RejectedEvent>();
        for (var i = 0; i < events.Count; i++)
        {
            // On the edge the user is output only (the token says who): a copy is changed. An internal producer's event
            // is kept as sent, so it is not copied (the ingestion of a stream of events allocates per event otherwise).
            var e = sender.Internal ? events[i] : events[i].Clone();
            if (!sender.Internal) e.UserId = sender.UserId ?? "";
            var (field, reason) = Problem(e, sender, now);
            if (field is null) accepted.Add((i, e));
            else rejected.Add(new RejectedEvent { Index = i, Field = $"events[{i}].{field}", Reason = reason! });
        }
        return (accepted, rejected);
    }

    private (string? Field, string? Reason) Problem(AnalyticsEvent e, Sender sender, DateTime now)
    {
        if (!Guid.TryParseExact(e.Id, "D", out _)) return ("id", e.Id.Length == 0 ? "is required" : "must be a UUID");
        if (e.Type.Length == 0) return ("type", "is required");
        if (!(sender.Internal ? EventTypes.Internal : EventTypes.Client).Contains(e.Type))
            return ("type", $"\"{Truncate(e.Type)}\" is not an event type {(sender.Internal ? "analytics knows" : "a client may send")}");
        if (e.Time is null) return ("time", "is required");
        if (e.Time.Seconds < 0 || e.Time.Nanos is < 0 or > 999_999_999) return ("time", "is not a valid timestamp");
        var at = e.Time.ToDateTime();
        if (at > now + options.MaxClockSkew) return ("time", $"is more than {options.MaxClockSkew.TotalMinutes:0} minutes in the future");
        if (at < now - options.MaxEventAge) return ("time", $"is more than {options.MaxEventAge.TotalDays:0} days in the past");
        if (sender.Internal && e.UserId.Length > MaxId) return ("user_id", $"must be at most {MaxId} characters");
        if (e.DeviceId.Length > MaxId) return ("device_id", $"must be at most {MaxId} characters");
        if (e.UserId.Length == 0 && e.DeviceId.Length == 0)
            return ("device_id", "is required for an anonymous client (no bearer token)");
        if (e.Item.Length > 0 && ItemNames.Problem(e.Item) is { } itemProblem) return ("item", itemProblem);
        if (e.CityId.Length > 64) return ("city_id", "must be at most 64 characters");
        if (e.Attributes.Count > MaxAttributes) return ("attributes", $"must hold at most {MaxAttributes} entries");
        foreach (var (key, value) in e.Attributes)
        {
            if (key.Length is 0 or > MaxKey) return ("attributes", $"keys must be 1-{MaxKey} characters");
            if (value.Length > MaxValue) return ($"attributes[{key}]", $"must be at most {MaxValue} characters");
        }
        return (null, null);
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
