using System.Globalization;
using System.Text;

namespace Mesh.Feed.Sections;

/// <summary>
/// Page tokens of a feed: base64url of the city and the offset the next page starts at in every section. A page is cut
/// from the cached feed; after the cache expires the next page comes from a fresh one (at the same offset).
/// </summary>
public static class PageTokens
{
    public static string Next(string city, int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"f|{city}|{offset.ToString(CultureInfo.InvariantCulture)}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The offset in the token, or null when it is not a token of this city's feed.</summary>
    public static int? Parse(string token, string city)
    {
        try
        {
            var s = token.Replace('-', '+').Replace('_', '/');
            s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(s)).Split('|');
            return parts is ["f", var c, var offset] && c == city && int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= 10_000
                ? value : null;
        }
        catch (FormatException) { return null; }
    }
}
