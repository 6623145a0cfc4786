using System.Globalization;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Spellings proto3 JSON allows for one value, turned into the one the JSON transcoder reads: an integer in plain
/// digits, and bytes in standard padded base64.
/// </summary>
public static class ProtoJsonForms
{
    /// <summary>
    /// <paramref name="text"/> in plain digits ("-12") when it is a whole number in any JSON spelling ("12", "1.2e1",
    /// "12.0"), else null. Decimal arithmetic keeps every 64-bit integer exact, which a double would not.
    /// </summary>
    public static string? IntegerDigits(string text)
    {
        var digits = text.StartsWith('-') ? text.AsSpan(1) : text.AsSpan();
        if (!digits.IsEmpty && !digits.ContainsAnyExceptInRange('0', '9')) return text;
        if (text.Length == 0 || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])) return null;
        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out var value) || value != decimal.Truncate(value))
            return null;
        return decimal.Truncate(value).ToString("0", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Standard base64 with its padding for base64 written either way (proto3 JSON accepts the URL-safe alphabet and
    /// a missing padding); the text as it is when it is neither (then decoding it reports what is wrong).
    /// </summary>
    public static string StandardBase64(string text)
    {
        var urlSafe = text.AsSpan().IndexOfAny('-', '_') >= 0;
        var missing = (4 - text.Length % 4) % 4;
        if (!urlSafe && missing == 0) return text;
        if (missing == 3) return text; // one character past a whole group encodes nothing: not base64
        var standard = urlSafe ? text.Replace('-', '+').Replace('_', '/') : text;
        return missing == 0 ? standard : standard + new string('=', missing);
    }
}
