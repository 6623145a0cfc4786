using Mesh.Notification.Templates;

namespace Mesh.Notification.Preferences;

/// <summary>Email and SMS of one category.</summary>
public sealed record ChannelChoice(bool Email, bool Sms);

/// <summary>
/// One user's preferences (the defaults until they change any). Email and SMS go out only when the category asks
/// for the channel, the user has its address and has not unsubscribed; inbox and live push always.
/// </summary>
public sealed record UserPreferences(
    Guid UserId, IReadOnlyDictionary<string, ChannelChoice> Channels, TimeOnly? QuietStart, TimeOnly? QuietEnd, string TimeZone,
    bool Unsubscribed, string Locale, string? Email, string? Phone, string? HomeCityId, DateTimeOffset? UpdateTime)
{
    public static UserPreferences Default(Guid userId) =>
        new(userId, new Dictionary<string, ChannelChoice>(), null, null, "UTC", false, TemplateCatalog.DefaultLocale, null, null, null, null);

    public ChannelChoice For(string category) =>
        Channels.TryGetValue(category, out var choice) ? choice : new ChannelChoice(Categories.EmailByDefault(category), Sms: false);

    /// <summary>Where this category's <paramref name="channel"/> goes for this user, or null for nowhere.</summary>
    public string? Destination(string category, string channel)
    {
        if (Unsubscribed) return null;
        var choice = For(category);
        return channel switch
        {
            DeliveryChannels.Email when choice.Email => Email,
            DeliveryChannels.Sms when choice.Sms => Phone,
            _ => null,
        };
    }

    /// <summary>When the quiet hours around <paramref name="now"/> end, or null when <paramref name="now"/> is not in them.</summary>
    public DateTimeOffset? QuietUntil(DateTimeOffset now)
    {
        if (QuietStart is not { } start || QuietEnd is not { } end || start == end) return null;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var inside = start < end ? time >= start && time < end : time >= start || time < end;
        if (!inside) return null;
        var endDate = DateOnly.FromDateTime(local.DateTime);
        if (start > end && time >= start) endDate = endDate.AddDays(1); // spans midnight: ends tomorrow
        var endLocal = endDate.ToDateTime(end);
        // A local time skipped by a clock change is taken an hour later.
        if (zone.IsInvalidTime(endLocal)) endLocal = endLocal.AddHours(1);
        return new DateTimeOffset(endLocal, zone.GetUtcOffset(endLocal)).ToUniversalTime();
    }
}
