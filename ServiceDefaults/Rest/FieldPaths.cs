using Google.Protobuf.Reflection;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Dotted field paths ("book.publish_time", "inner.deeper.b") over message descriptors. Each part may be the proto
/// name or the lowerCamel JSON name, as proto3 JSON accepts both.
/// </summary>
public static class FieldPaths
{
    /// <summary>The fields along <paramref name="path"/>, or null if a part is unknown or passes through a non-message.</summary>
    public static FieldDescriptor[]? Resolve(MessageDescriptor message, string path)
    {
        var parts = path.Split('.');
        var fields = new FieldDescriptor[parts.Length];
        var current = message;
        for (var i = 0; i < parts.Length; i++)
        {
            if (current is null) return null;
            var field = Find(current, parts[i]);
            if (field is null) return null;
            fields[i] = field;
            // Only singular, non-well-known messages can be walked into; a WKT or repeated field ends the path.
            current = i < parts.Length - 1 && field.FieldType == FieldType.Message && !field.IsRepeated && !field.IsMap
                      && !WellKnownTypes.IsScalarLike(field.MessageType)
                ? field.MessageType
                : null;
        }
        return fields;
    }

    public static FieldDescriptor? Find(MessageDescriptor message, string name) =>
        message.FindFieldByName(name) ?? message.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name);

    /// <summary>True when <paramref name="prefix"/> equals <paramref name="path"/> or is a parent of it.</summary>
    public static bool Covers(string prefix, string path) =>
        path == prefix || path.StartsWith(prefix + ".", StringComparison.Ordinal);

    /// <summary>The path in proto names ("book.publish_time"), however the client spelled it.</summary>
    public static string ProtoPath(FieldDescriptor[] fields) => string.Join('.', fields.Select(f => f.Name));
}
