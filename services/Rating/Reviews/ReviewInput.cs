using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf.Collections;

namespace Mesh.Rating.Reviews;

/// <summary>The limits of a review's fields, checked here (INVALID_ARGUMENT naming the field) and by the schema.</summary>
public static partial class ReviewInput
{
    public const int MaxTitle = 120;
    public const int MaxText = 5000;
    public const int MaxAspects = 10;
    public const int MaxReason = 500;

    [GeneratedRegex("^[a-z0-9_]{1,40}$")]
    private static partial Regex AspectName();

    public static void Stars(FieldViolations violations, string field, int stars) =>
        violations.Check(field, stars is < 1 or > 5 ? $"must be 1 to 5 stars (was {stars})" : null);

    public static void Text(FieldViolations violations, string field, string value, int max) =>
        violations.Check(field, string.IsNullOrWhiteSpace(value) ? "must not be empty"
            : value.Length > max ? $"must be at most {max} characters (was {value.Length})" : null);

    public static void Aspects(FieldViolations violations, string field, MapField<string, int> aspects)
    {
        if (aspects.Count > MaxAspects) violations.Add(field, $"must name at most {MaxAspects} aspects (was {aspects.Count})");
        foreach (var (name, value) in aspects)
        {
            if (!AspectName().IsMatch(name)) violations.Add($"{field}[{name}]", "aspect names are 1-40 of a-z, 0-9 and '_'");
            else if (value is < 1 or > 5) violations.Add($"{field}[{name}]", $"must be 1 to 5 stars (was {value})");
        }
    }

    public static string AspectsJson(MapField<string, int> aspects) =>
        JsonSerializer.Serialize(aspects.OrderBy(a => a.Key, StringComparer.Ordinal).ToDictionary(a => a.Key, a => a.Value));

    public static Dictionary<string, int> ParseAspects(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, int>>(json) ?? [];
}
