using Google.Protobuf.WellKnownTypes;
using Mesh.Catalog.V1;

namespace Mesh.Catalog.Tests.Support;

/// <summary>Valid requests to start from; tests change one thing.</summary>
public static class Builders
{
    public static Venue Venue(string city = "berlin", string name = "Kino Eins") => new()
    {
        CityId = city, Name = name, Address = "Hauptstr. 1", Location = new GeoPoint { Latitude = 52.5, Longitude = 13.4 }, Amenities = { "bar" },
    };

    public static Screen Screen(string name = "Saal 1", int rows = 3, int seatsPerRow = 4)
    {
        var map = new SeatMap
        {
            Categories = { new SeatCategory { Code = "standard", Name = "Standard", Tier = 1 }, new SeatCategory { Code = "premium", Name = "Premium", Tier = 2 } },
        };
        for (var r = 0; r < rows; r++)
        {
            var row = new SeatRow { Label = ((char)('A' + r)).ToString() };
            for (var s = 1; s <= seatsPerRow; s++)
                row.Seats.Add(new SeatSpec { Label = $"{row.Label}{s}", Category = r == rows - 1 ? "premium" : "standard", Blocked = r == 0 && s == 1 });
            map.Rows.Add(row);
        }
        return new Screen { Name = name, SeatMap = map };
    }

    public static Event Event(string title = "Hamlet", string genre = "drama", string language = "en", int minutes = 120) => new()
    {
        Kind = "play", Title = title, Description = $"{title}, a story told on stage.", Genres = { genre }, Languages = { language }, DurationMinutes = minutes, AgeRating = "PG",
    };

    public static Show Show(string eventId, string screenId, DateTime start, long standard = 1200, long premium = 2000) => new()
    {
        EventId = eventId, ScreenId = screenId, StartTime = Timestamp.FromDateTime(start), Currency = "EUR",
        Prices = { new CategoryPrice { Category = "standard", PriceMinor = standard }, new CategoryPrice { Category = "premium", PriceMinor = premium } },
    };

    /// <summary>A whole number of hours from now, so shows built from it never start in the past.</summary>
    /// Counted from one day fixed when the test assembly loads: a test running across midnight still gets one timeline.
    public static DateTime HoursAhead(int hours) => Base.AddHours(hours);

    private static readonly DateTime Base = DateTime.UtcNow.Date.AddDays(2);
}
