using System.Globalization;

namespace Mesh.Notification.Events;

/// <summary>Minor units as people read them: "12.50 EUR" (no decimals for the currencies that have none).</summary>
public static class Money
{
    private static readonly HashSet<string> NoMinorUnit = ["JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX"];

    public static string Display(long minor, string currency)
    {
        var code = currency.ToUpperInvariant();
        return NoMinorUnit.Contains(code)
            ? $"{minor.ToString(CultureInfo.InvariantCulture)} {code}"
            : $"{(minor / 100m).ToString("0.00", CultureInfo.InvariantCulture)} {code}";
    }

    public static string Time(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
