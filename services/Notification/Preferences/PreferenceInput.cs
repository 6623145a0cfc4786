using System.Text.RegularExpressions;
using Mesh.Notification.Templates;
using Mesh.Notification.V1;

namespace Mesh.Notification.Preferences;

/// <summary>
/// An update of preferences checked field by field (INVALID_ARGUMENT naming each wrong field, nothing saved) and
/// applied to the current ones: only the paths in update_mask, or every field the request set when it is empty.
/// </summary>
public static partial class PreferenceInput
{
    public static readonly string[] Paths = ["categories", "quiet_hours", "unsubscribed", "locale", "email", "phone", "home_city_id"];

    public static UserPreferences Apply(UserPreferences current, UpdateNotificationPreferencesRequest request)
    {
        var violations = new FieldViolations();
        var p = request.Preferences ?? new NotificationPreferences();
        foreach (var (path, i) in request.UpdateMask?.Paths.Select((x, i) => (x, i)) ?? [])
            violations.Check($"update_mask.paths[{i}]", Paths.Contains(path) ? null : $"'{path}' is not one of {string.Join(", ", Paths)}");
        violations.Check("preferences", request.Preferences is null ? "is required" : null).ThrowIfAny();
        var paths = request.UpdateMask is { Paths.Count: > 0 } mask ? mask.Paths.ToHashSet() : ImplicitPaths(p);

        var channels = new Dictionary<string, ChannelChoice>(current.Channels);
        if (paths.Contains("categories"))
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < p.Categories.Count; i++)
            {
                var c = p.Categories[i];
                if (!Categories.All.Contains(c.Category)) violations.Add($"preferences.categories[{i}].category", $"must be one of {string.Join(", ", Categories.All)}");
                else if (!seen.Add(c.Category)) violations.Add($"preferences.categories[{i}].category", "is listed twice");
                else channels[c.Category] = new ChannelChoice(c.Email, c.Sms);
            }
        }

        var (quietStart, quietEnd, zone) = (current.QuietStart, current.QuietEnd, current.TimeZone);
        if (paths.Contains("quiet_hours"))
        {
            var q = p.QuietHours ?? new QuietHours();
            quietStart = Clock(violations, "preferences.quiet_hours.start", q.Start);
            quietEnd = Clock(violations, "preferences.quiet_hours.end", q.End);
            if ((q.Start.Length == 0) != (q.End.Length == 0))
                violations.Add(q.Start.Length == 0 ? "preferences.quiet_hours.start" : "preferences.quiet_hours.end", "start and end are set together or not at all");
            zone = q.TimeZone.Length == 0 ? "UTC" : q.TimeZone;
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)) violations.Add("preferences.quiet_hours.time_zone", "is not a known IANA time zone");
        }

        var locale = current.Locale;
        if (paths.Contains("locale"))
        {
            locale = p.Locale.Length == 0 ? TemplateCatalog.DefaultLocale : p.Locale;
            violations.Check("preferences.locale", TemplateCatalog.Locales.Contains(locale) ? null : $"must be one of {string.Join(", ", TemplateCatalog.Locales)}");
        }
        var email = paths.Contains("email") ? Blank(p.Email) : current.Email;
        if (paths.Contains("email") && email is not null)
            violations.Check("preferences.email", email.Length <= 254 && EmailShape().IsMatch(email) ? null : "is not an email address");
        var phone = paths.Contains("phone") ? Blank(p.Phone) : current.Phone;
        if (paths.Contains("phone") && phone is not null)
            violations.Check("preferences.phone", PhoneShape().IsMatch(phone) ? null : "must be an E.164 number such as +4915112345678");
        var city = paths.Contains("home_city_id") ? Blank(p.HomeCityId) : current.HomeCityId;
        if (city is not null) violations.MaxLength("preferences.home_city_id", city, 100);
        violations.ThrowIfAny();

        return current with
        {
            Channels = channels, QuietStart = quietStart, QuietEnd = quietEnd, TimeZone = zone, Locale = locale, Email = email, Phone = phone, HomeCityId = city,
            Unsubscribed = paths.Contains("unsubscribed") ? p.Unsubscribed : current.Unsubscribed,
        };
    }

    /// <summary>Without a mask: the fields the request set (proto3 cannot tell an explicit false, so unsubscribed needs a mask to be turned off).</summary>
    private static HashSet<string> ImplicitPaths(NotificationPreferences p)
    {
        var paths = new HashSet<string>();
        if (p.Categories.Count > 0) paths.Add("categories");
        if (p.QuietHours is not null) paths.Add("quiet_hours");
        if (p.Unsubscribed) paths.Add("unsubscribed");
        if (p.Locale.Length > 0) paths.Add("locale");
        if (p.Email.Length > 0) paths.Add("email");
        if (p.Phone.Length > 0) paths.Add("phone");
        if (p.HomeCityId.Length > 0) paths.Add("home_city_id");
        return paths;
    }

    private static TimeOnly? Clock(FieldViolations violations, string field, string value)
    {
        if (value.Length == 0) return null;
        if (ClockShape().IsMatch(value) && TimeOnly.TryParseExact(value, "HH:mm", out var time)) return time;
        violations.Add(field, "must be HH:MM on a 24-hour clock");
        return null;
    }

    private static string? Blank(string value) => value.Trim().Length == 0 ? null : value.Trim();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailShape();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex PhoneShape();

    [GeneratedRegex(@"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    private static partial Regex ClockShape();
}
