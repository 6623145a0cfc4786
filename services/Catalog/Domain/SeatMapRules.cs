using System.Text.RegularExpressions;
using Mesh.Catalog.V1;

namespace Mesh.Catalog.Domain;

/// <summary>
/// What makes a seat map consistent: at least one category and one seat, category codes unique and well formed,
/// seat labels unique across the screen, every seat in a category the map defines. The database enforces the last
/// two again (unique (screen, label); a foreign key to the screen's categories).
/// </summary>
public static partial class SeatMapRules
{
    public const int MaxSeats = 5_000;

    [GeneratedRegex("^[a-z0-9_-]{1,40}$")]
    private static partial Regex CategoryCode();

    /// <summary>Problems as (field path, description), paths relative to the seat map field.</summary>
    public static IEnumerable<(string Field, string Problem)> Check(SeatMap? map, string prefix)
    {
        if (map is null) { yield return (prefix, "is required"); yield break; }
        if (map.Categories.Count == 0) yield return ($"{prefix}.categories", "must have at least one category");
        var codes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < map.Categories.Count; i++)
        {
            var category = map.Categories[i];
            if (!CategoryCode().IsMatch(category.Code)) yield return ($"{prefix}.categories[{i}].code", "must be 1-40 of a-z, 0-9, '-' or '_'");
            else if (!codes.Add(category.Code)) yield return ($"{prefix}.categories[{i}].code", $"repeats \"{category.Code}\"");
            if (category.Tier < 1) yield return ($"{prefix}.categories[{i}].tier", "must be at least 1");
        }
        if (map.Rows.Count == 0) { yield return ($"{prefix}.rows", "must have at least one row"); yield break; }
        var labels = new HashSet<string>(StringComparer.Ordinal);
        var total = 0;
        for (var r = 0; r < map.Rows.Count; r++)
        {
            var row = map.Rows[r];
            if (row.Label.Length is 0 or > 20) yield return ($"{prefix}.rows[{r}].label", "must be 1-20 characters");
            if (row.Seats.Count == 0) yield return ($"{prefix}.rows[{r}].seats", "must have at least one seat");
            for (var s = 0; s < row.Seats.Count; s++)
            {
                var seat = row.Seats[s];
                var path = $"{prefix}.rows[{r}].seats[{s}]";
                if (seat.Label.Length is 0 or > 20) yield return ($"{path}.label", "must be 1-20 characters");
                else if (!labels.Add(seat.Label)) yield return ($"{path}.label", $"repeats \"{seat.Label}\" (labels are unique per screen)");
                if (!codes.Contains(seat.Category)) yield return ($"{path}.category", $"\"{seat.Category}\" is not a category of this seat map");
                total++;
            }
        }
        if (total > MaxSeats) yield return ($"{prefix}.rows", $"must hold at most {MaxSeats} seats");
    }
}
