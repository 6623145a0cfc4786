using Mesh.Catalog.V1;

namespace Mesh.Catalog.Domain;

/// <summary>
/// Turns a service's weekly opening hours into the time slots of one date: back-to-back slots of the service's
/// duration from opening, the last one ending at or before closing. Hours are local to the venue's city.
/// </summary>
public static class SlotGenerator
{
    public static IReadOnlyList<(DateTime Start, DateTime End)> ForDate(DateOnly date, IEnumerable<OpeningHours> hours, int durationMinutes, TimeZoneInfo zone)
    {
        var isoDay = date.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)date.DayOfWeek;
        var slots = new List<(DateTime, DateTime)>();
        foreach (var window in hours.Where(h => h.DayOfWeek == isoDay).OrderBy(h => h.Opens, StringComparer.Ordinal))
        {
            if (!TryParseTime(window.Opens, out var opens) || !TryParseTime(window.Closes, out var closes)) continue;
            var duration = TimeSpan.FromMinutes(durationMinutes);
            for (var start = date.ToDateTime(opens); start + duration <= date.ToDateTime(closes); start += duration)
            {
                var local = DateTime.SpecifyKind(start, DateTimeKind.Unspecified);
                if (zone.IsInvalidTime(local)) continue;   // inside a DST gap: that wall-clock time does not exist
                var utc = TimeZoneInfo.ConvertTimeToUtc(local, zone);
                slots.Add((utc, utc + duration));
            }
        }
        return slots;
    }

    public static bool TryParseTime(string text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out time);
}
