using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mesh.Catalog.Domain;

/// <summary>
/// An opaque keyset cursor: the sort key of the last item returned (a time and an id, the listing's total order) plus
/// a fingerprint of the filters it was issued for, so a token replayed with other filters is refused rather than
/// silently returning a page of a different list. Base64url of a small JSON document; not a secret, just opaque.
/// </summary>
public sealed record PageToken(DateTime AfterTime, Guid AfterId, string Filters)
{
    private sealed record Wire(long T, Guid I, string F);

    public static string Fingerprint(params object?[] filters)
    {
        var text = string.Join("\u001f", filters.Select(f => f switch
        {
            null => "",
            DateTime d => d.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            IFormattable x => x.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => f.ToString() ?? "",
        }));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 8);
    }

    public string Encode() =>
        Base64UrlEncode(JsonSerializer.SerializeToUtf8Bytes(new Wire(AfterTime.Ticks, AfterId, Filters)));

    /// <summary>The token, or null when it is not one of ours or was issued for other filters.</summary>
    public static PageToken? TryDecode(string token, string filters)
    {
        try
        {
            var wire = JsonSerializer.Deserialize<Wire>(Base64UrlDecode(token));
            if (wire is null || wire.F != filters || wire.T < DateTime.MinValue.Ticks || wire.T > DateTime.MaxValue.Ticks) return null;
            return new PageToken(new DateTime(wire.T, DateTimeKind.Utc), wire.I, wire.F);
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }
}
