namespace Mesh.Analytics.Ingestion;

/// <summary>Items as the catalog names them: "{kind}/{uuid}".</summary>
public static class ItemNames
{
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal) { "events", "shows", "services", "products", "venues" };

    /// <summary>The problem with <paramref name="item"/>, or null when it is a well-formed item name.</summary>
    public static string? Problem(string item)
    {
        var slash = item.IndexOf('/');
        if (slash <= 0 || !Kinds.Contains(item[..slash]))
            return "must be \"{kind}/{id}\" with kind events, shows, services, products or venues";
        return Guid.TryParseExact(item[(slash + 1)..], "D", out _) ? null : "must end in a UUID";
    }

    /// <summary>The kind of a well-formed item ("shows" of "shows/{id}").</summary>
    public static string KindOf(string item) => item[..item.IndexOf('/')];

    /// <summary>The show id of "shows/{id}", else null.</summary>
    public static Guid? ShowId(string item) =>
        item.StartsWith("shows/", StringComparison.Ordinal) && Guid.TryParseExact(item["shows/".Length..], "D", out var id) ? id : null;
}
