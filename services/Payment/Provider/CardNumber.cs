namespace Mesh.Payment.Provider;

/// <summary>Card number rules checked at the boundary: digits, length, Luhn checksum, brand by prefix.</summary>
public static class CardNumber
{
    /// <summary>The digits of <paramref name="input"/> (spaces and dashes dropped), or null when anything else is in it.</summary>
    public static string? Digits(string input)
    {
        var digits = new string(input.Where(c => c is not (' ' or '-')).ToArray());
        return digits.Length is >= 12 and <= 19 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    public static bool PassesLuhn(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1) { d *= 2; if (d > 9) d -= 9; }
            sum += d;
        }
        return sum % 10 == 0;
    }

    public static string Brand(string digits) => digits[0] switch
    {
        '4' => "visa",
        '5' when digits[1] is >= '1' and <= '5' => "mastercard",
        '2' => "mastercard",
        '3' when digits[1] is '4' or '7' => "amex",
        _ => "unknown",
    };
}
