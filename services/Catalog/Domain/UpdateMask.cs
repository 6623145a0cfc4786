using Google.Protobuf.WellKnownTypes;

namespace Mesh.Catalog.Domain;

/// <summary>
/// The partial-update rule of the catalog's Update methods: the paths named in update_mask are replaced; an empty or
/// absent mask replaces every mutable field (or, where given, the fields an empty mask implies — a product's stock is
/// set only when named, so a full-body edit cannot undo reservations made since it was read). An unknown path is bad
/// input naming "update_mask".
/// </summary>
public sealed class UpdateMask
{
    private readonly HashSet<string> _paths;

    private UpdateMask(HashSet<string> paths) => _paths = paths;

    public bool Has(string path) => _paths.Contains(path);

    public static UpdateMask Parse(FieldMask? mask, IReadOnlyCollection<string> mutable, FieldViolations violations, IReadOnlyCollection<string>? impliedByEmpty = null)
    {
        if (mask is null || mask.Paths.Count == 0) return new UpdateMask(new HashSet<string>(impliedByEmpty ?? mutable, StringComparer.Ordinal));
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in mask.Paths)
        {
            if (mutable.Contains(path)) paths.Add(path);
            else violations.Add("update_mask", $"names \"{path}\", which is not one of: {string.Join(", ", mutable)}");
        }
        return new UpdateMask(paths);
    }
}
