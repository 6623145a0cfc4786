using System.Collections;
using System.Collections.Concurrent;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Mesh.ServiceDefaults.Errors;

/// <summary>
/// Finds U+0000 in the string fields of a message — nested messages, repeated fields and maps (keys and values)
/// included — and names the first one by its JSON path ("lines[2].note", "labels[\"k\"]"). PostgreSQL cannot
/// store NUL in text or jsonb and fails the statement, so such a string must be refused as bad input before it
/// reaches a database. Which fields of a message type can hold a string at all is worked out once per type, so a
/// message without strings is not walked.
/// </summary>
public static class NulCharacters
{
    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor[]> TextFields = new();

    /// <summary>The JSON path of the first string holding U+0000, or null when there is none.</summary>
    public static string? Find(IMessage message) => FindIn(message, "");

    /// <summary>INVALID_ARGUMENT with a BadRequest naming the field when the message holds U+0000 anywhere.</summary>
    public static void Reject(IMessage message)
    {
        if (Find(message) is not { } path) return;
        new FieldViolations().Add(path, "must not contain the NUL character (U+0000)").ThrowIfAny();
    }

    private static string? FindIn(IMessage message, string prefix)
    {
        foreach (var field in FieldsWithText(message.Descriptor))
        {
            var path = prefix.Length == 0 ? field.JsonName : $"{prefix}.{field.JsonName}";
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                var valueField = field.MessageType.FindFieldByNumber(2);
                foreach (DictionaryEntry entry in (IDictionary)value)
                {
                    var entryPath = $"{path}[{JsonSerializer.Serialize(entry.Key.ToString())}]";
                    if (entry.Key is string key && HasNul(key)) return entryPath;
                    if (FindInValue(entry.Value, valueField, entryPath) is { } found) return found;
                }
            }
            else if (field.IsRepeated)
            {
                var i = 0;
                foreach (var item in (IList)value)
                {
                    if (FindInValue(item, field, $"{path}[{i}]") is { } found) return found;
                    i++;
                }
            }
            else if (FindInValue(value, field, path) is { } found) return found;
        }
        return null;
    }

    private static string? FindInValue(object? value, FieldDescriptor field, string path) => value switch
    {
        string text => HasNul(text) ? path : null,
        IMessage nested => FindIn(nested, path),
        _ => null,
    };

    private static bool HasNul(string text) => text.Contains('\0');

    /// <summary>The fields of a type that are, or can lead to, a string (computed once per type; recursion-safe).</summary>
    private static FieldDescriptor[] FieldsWithText(MessageDescriptor type) =>
        TextFields.GetOrAdd(type, t => [.. t.Fields.InFieldNumberOrder().Where(f => CanHoldText(f, []))]);

    private static bool CanHoldText(FieldDescriptor field, HashSet<MessageDescriptor> visiting)
    {
        if (field.FieldType == FieldType.String) return true;
        if (field.FieldType is not (FieldType.Message or FieldType.Group)) return false;
        var type = field.MessageType;
        if (!visiting.Add(type)) return false; // a cycle adds nothing new
        return type.Fields.InFieldNumberOrder().Any(f => CanHoldText(f, visiting));
    }
}
