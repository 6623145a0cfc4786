namespace Mesh.Rating.Items;

/// <summary>
/// What can be reviewed, named as the catalog names it: "products/{uuid}", "services/{uuid}", "events/{uuid}" or
/// "venues/{uuid}". Kept in its canonical form (lower-case UUID) so one item never gets two aggregates.
/// </summary>
public readonly record struct ItemName(string Kind, Guid Id)
{
    public const string Products = "products";
    public const string Services = "services";
    public const string Events = "events";
    public const string Venues = "venues";

    public static readonly IReadOnlyList<string> Kinds = [Products, Services, Events, Venues];

    public string Value => $"{Kind}/{Id}";

    public override string ToString() => Value;

    /// <summary>The item a field names, or a violation on <paramref name="field"/> saying what is wrong with it.</summary>
    public static ItemName? Parse(FieldViolations violations, string field, string value)
    {
        var slash = value.IndexOf('/');
        var kind = slash < 0 ? "" : value[..slash];
        if (value.Length == 0) violations.Add(field, "is required");
        else if (slash < 0 || !Kinds.Contains(kind)) violations.Add(field, "must be products/{id}, services/{id}, events/{id} or venues/{id}");
        else if (!Guid.TryParseExact(value[(slash + 1)..], "D", out var id)) violations.Add(field, $"must end in a UUID after \"{kind}/\"");
        else return new ItemName(kind, id);
        return null;
    }

    /// <summary>An item as stored (always canonical).</summary>
    public static ItemName FromStored(string value) => new(value[..value.IndexOf('/')], Guid.Parse(value[(value.IndexOf('/') + 1)..]));
}
