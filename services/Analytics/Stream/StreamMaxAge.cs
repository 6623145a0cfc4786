namespace Mesh.Analytics.Stream;

/// <summary>
/// RabbitMQ's <c>x-max-age</c> ("7D": a whole number and one unit of Y, M, D, h, m, s) as a span of time: how far back
/// the broker can still replay the stream. A month is read as 31 days and a year as 366, the longest each can be, since
/// what depends on it (<see cref="Aggregation.ClaimPruning"/>) must not forget too early.
/// </summary>
public static class StreamMaxAge
{
    public static TimeSpan Parse(string value)
    {
        if (value is not { Length: >= 2 } || !long.TryParse(value.AsSpan(0, value.Length - 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var n) || n <= 0)
            throw Invalid(value);
        var unit = value[^1] switch
        {
            'Y' => TimeSpan.FromDays(366),
            'M' => TimeSpan.FromDays(31),
            'D' => TimeSpan.FromDays(1),
            'h' => TimeSpan.FromHours(1),
            'm' => TimeSpan.FromMinutes(1),
            's' => TimeSpan.FromSeconds(1),
            _ => throw Invalid(value),
        };
        if (n > TimeSpan.MaxValue.Ticks / unit.Ticks) throw Invalid(value);
        return unit * n;
    }

    private static ArgumentException Invalid(string? value) => new(
        $"Analytics:StreamMaxAge \"{value}\" is not a RabbitMQ max-age: a positive whole number followed by one of Y, M, D, h, m, s (e.g. \"7D\").",
        nameof(value));
}
