using System.Text.Json;
using Mesh.Catalog.V1;

namespace Mesh.Catalog.Domain;

/// <summary>Opening hours as stored in services.opening_hours (jsonb): [{"day":1,"opens":"09:00","closes":"17:00"}, …].</summary>
public static class OpeningHoursJson
{
    private sealed record Entry(int Day, string Opens, string Closes);

    public static string Write(IEnumerable<OpeningHours> hours) =>
        JsonSerializer.Serialize(hours.Select(h => new Entry(h.DayOfWeek, h.Opens, h.Closes)), JsonSerializerOptions.Web);

    public static IReadOnlyList<OpeningHours> Read(string json) =>
        (JsonSerializer.Deserialize<List<Entry>>(json, JsonSerializerOptions.Web) ?? [])
            .Select(e => new OpeningHours { DayOfWeek = e.Day, Opens = e.Opens, Closes = e.Closes }).ToList();
}
