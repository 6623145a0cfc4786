using System.Globalization;
using System.Text;

namespace Mesh.Rating.Reviews;

/// <summary>Keyset page tokens (base64url of the last row's sort key, tied to the listing they came from).</summary>
public static class PageTokens
{
    public static string Reviews(string item, ReviewListOrder order, ReviewRow last) =>
        Encode($"r|{item}|{order.Name}|{order.Key(last).ToString(CultureInfo.InvariantCulture)}|{last.CreateTime.Ticks.ToString(CultureInfo.InvariantCulture)}|{last.Id:N}");

    public static ReviewKey? ParseReviews(string token, string item, ReviewListOrder order)
    {
        var parts = Decode(token)?.Split('|');
        if (parts is not { Length: 6 } || parts[0] != "r" || parts[1] != item || parts[2] != order.Name) return null;
        if (!int.TryParse(parts[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var key)) return null;
        if (!long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks > DateTime.MaxValue.Ticks) return null;
        return Guid.TryParseExact(parts[5], "N", out var id) ? new ReviewKey(key, new DateTime(ticks, DateTimeKind.Utc), id) : null;
    }

    public static string TopRated(string city, string kind, AggregateRow last) =>
        Encode($"t|{city}|{kind}|{last.Bayesian.ToString("R", CultureInfo.InvariantCulture)}|{last.ReviewCount.ToString(CultureInfo.InvariantCulture)}|{last.Item}");

    public static TopRatedKey? ParseTopRated(string token, string city, string kind)
    {
        var parts = Decode(token)?.Split('|');
        if (parts is not { Length: 6 } || parts[0] != "t" || parts[1] != city || parts[2] != kind) return null;
        if (!double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var bayesian) || !double.IsFinite(bayesian)) return null;
        if (!int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var count)) return null;
        return new TopRatedKey(bayesian, count, parts[5]);
    }

    private static string Encode(string value) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? Decode(string token)
    {
        try
        {
            var s = token.Replace('-', '+').Replace('_', '/');
            return Encoding.UTF8.GetString(Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4)));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
