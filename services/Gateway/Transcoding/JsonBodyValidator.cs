using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// Checks a JSON body against a message descriptor before Google.Protobuf's JsonParser reads it, so that every
/// mistake is reported with the path of the offending field ("book.authors[2]") instead of a parser message
/// without one. Accepts exactly what proto3 JSON accepts: lowerCamel or proto names, numbers or strings for
/// integers, "NaN"/"Infinity" for floats, enum names or numbers, null for "not set".
/// </summary>
public static class JsonBodyValidator
{
    private const int MaxDepth = 64;
    private static readonly JsonParser WktParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    /// <summary>Throws a 400 <see cref="GatewayException"/> naming the first bad field.</summary>
    public static void Validate(JsonElement element, MessageDescriptor message, string path)
    {
        ValidateMessage(element, message, path, depth: 0);
    }

    private static void ValidateMessage(JsonElement element, MessageDescriptor message, string path, int depth)
    {
        if (depth > MaxDepth) throw GatewayException.BadField(PathOrRoot(path), $"nested deeper than {MaxDepth} levels");
        if (WellKnownTypes.HasSpecialJson(message))
        {
            ValidateWellKnown(element, message, path);
            return;
        }
        if (element.ValueKind != JsonValueKind.Object)
            throw GatewayException.BadField(PathOrRoot(path), $"expected a JSON object ({message.Name}), got {Kind(element)}");

        var seenOneof = new Dictionary<OneofDescriptor, string>();
        foreach (var property in element.EnumerateObject())
        {
            var fieldPath = Join(path, property.Name);
            var field = FieldPaths.Find(message, property.Name)
                ?? throw GatewayException.BadField(fieldPath, $"unknown field (not in {message.FullName})");
            if (field.RealContainingOneof is { } oneof && property.Value.ValueKind != JsonValueKind.Null)
            {
                if (seenOneof.TryGetValue(oneof, out var other))
                    throw GatewayException.BadField(fieldPath, $"'{other}' is already set: only one field of '{oneof.Name}' may be");
                seenOneof[oneof] = property.Name;
            }
            ValidateField(property.Value, field, fieldPath, depth);
        }
    }

    private static void ValidateField(JsonElement value, FieldDescriptor field, string path, int depth)
    {
        if (value.ValueKind == JsonValueKind.Null) return; // null = not set (google.protobuf.Value excepted, which accepts it)
        if (field.IsMap)
        {
            if (value.ValueKind != JsonValueKind.Object) throw GatewayException.BadField(path, $"expected a JSON object (a map), got {Kind(value)}");
            var keyField = field.MessageType.FindFieldByNumber(1);
            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (var entry in value.EnumerateObject())
            {
                var entryPath = $"{path}[{JsonSerializer.Serialize(entry.Name)}]";
                if (keyField.FieldType != FieldType.String) FieldValueParser.Parse(keyField, entry.Name, entryPath);
                if (entry.Value.ValueKind == JsonValueKind.Null) throw GatewayException.BadField(entryPath, "a map value cannot be null");
                ValidateSingle(entry.Value, valueField, entryPath, depth + 1);
            }
            return;
        }
        if (field.IsRepeated)
        {
            if (value.ValueKind != JsonValueKind.Array) throw GatewayException.BadField(path, $"expected a JSON array, got {Kind(value)}");
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                var itemPath = $"{path}[{i++}]";
                if (item.ValueKind == JsonValueKind.Null) throw GatewayException.BadField(itemPath, "an array element cannot be null");
                ValidateSingle(item, field, itemPath, depth + 1);
            }
            return;
        }
        ValidateSingle(value, field, path, depth);
    }

    private static void ValidateSingle(JsonElement value, FieldDescriptor field, string path, int depth)
    {
        switch (field.FieldType)
        {
            case FieldType.Message or FieldType.Group:
                ValidateMessage(value, field.MessageType, path, depth + 1);
                return;
            case FieldType.String:
                if (value.ValueKind != JsonValueKind.String) throw Wrong(path, field, value);
                return;
            case FieldType.Bool:
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Wrong(path, field, value);
                return;
            case FieldType.Bytes:
                if (value.ValueKind != JsonValueKind.String) throw Wrong(path, field, value);
                FieldValueParser.Parse(field, value.GetString()!, path);
                return;
            case FieldType.Enum:
                if (value.ValueKind == JsonValueKind.String)
                {
                    if (field.EnumType.FindValueByName(value.GetString()!) is null)
                        throw GatewayException.BadField(path, $"unknown {field.EnumType.Name} value '{value.GetString()}'; expected {FieldValueParser.Expected(field)}");
                }
                else if (value.ValueKind == JsonValueKind.Number)
                {
                    if (!value.TryGetInt32(out var n) || field.EnumType.FindValueByNumber(n) is null)
                        throw GatewayException.BadField(path, $"unknown {field.EnumType.Name} number {value.GetRawText()}; expected {FieldValueParser.Expected(field)}");
                }
                else throw Wrong(path, field, value);
                return;
            default:
                ValidateNumber(value, field, path);
                return;
        }
    }

    /// <summary>Numbers may be JSON numbers or strings (int64 usually is a string); integers must be exact and in range.</summary>
    private static void ValidateNumber(JsonElement value, FieldDescriptor field, string path)
    {
        string text;
        if (value.ValueKind == JsonValueKind.Number) text = value.GetRawText();
        else if (value.ValueKind == JsonValueKind.String) text = value.GetString()!;
        else throw Wrong(path, field, value);

        if (field.FieldType is FieldType.Double or FieldType.Float)
        {
            FieldValueParser.Parse(field, text, path);
            return;
        }
        // Integers: an exponent or a fraction is allowed only when the value is still a whole number ("1e3", "5.0").
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number != decimal.Truncate(number))
            throw GatewayException.BadField(path, FieldValueParser.Describe(field, text));
        FieldValueParser.Parse(field, number.ToString("0", CultureInfo.InvariantCulture), path);
    }

    private static void ValidateWellKnown(JsonElement element, MessageDescriptor message, string path)
    {
        try
        {
            WktParser.Parse(element.GetRawText(), message);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or InvalidOperationException)
        {
            throw GatewayException.BadField(PathOrRoot(path), $"not a valid {message.Name}: {e.Message}");
        }
    }

    private static GatewayException Wrong(string path, FieldDescriptor field, JsonElement value) =>
        GatewayException.BadField(path, $"expected {FieldValueParser.Expected(field)}, got {Kind(value)}");

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string {Short(e.GetRawText())}",
        JsonValueKind.Number => $"the number {Short(e.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        _ => "null",
    };

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";
    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
    private static string PathOrRoot(string path) => path.Length == 0 ? "(body)" : path;
}
