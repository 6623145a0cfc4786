using System.Text;

namespace Mesh.Grpc.Wire;

/// <summary>
/// grpc-message encoding: UTF-8, then every byte outside printable ASCII (0x20–0x7E) and '%' itself
/// as %XX. Decoding is lenient: a malformed escape is kept as text, never an error.
/// </summary>
public static class PercentEncoding
{
    public static string Encode(string value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var plain = true;
        foreach (var c in value)
            if (c is < ' ' or > '~' or '%') { plain = false; break; }
        if (plain) return value;

        var bytes = Encoding.UTF8.GetBytes(value);
        var sb = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%') sb.Append((char)b);
            else sb.Append('%').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
        }
        return sb.ToString();
    }

    public static string Decode(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (!value.Contains('%')) return value;
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && TryHex(value[i + 1], out var hi) && TryHex(value[i + 2], out var lo))
            {
                bytes.Add((byte)((hi << 4) | lo));
                i += 2;
            }
            else
            {
                // Non-ASCII chars should not appear on the wire; keep them as their UTF-8 bytes.
                if (c < 0x80) bytes.Add((byte)c);
                else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static char HexDigit(int v) => (char)(v < 10 ? '0' + v : 'A' + v - 10);

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
