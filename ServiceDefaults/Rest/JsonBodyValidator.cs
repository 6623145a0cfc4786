using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Checks a JSON body against a message descriptor before the JSON transcoder reads it, so that every mistake is
/// reported with the path of the offending field ("book.authors[2]") instead of the transcoder's "Request JSON
/// payload is not correctly formatted." without one, and unknown fields are refused instead of silently dropped.
/// Accepts proto3 JSON: lowerCamel or proto names; numbers as JSON numbers or strings, integers also with a zero
/// fraction or an exponent ("5.0", 1e3); "NaN" and "Infinity" for floats; enum names or numbers; standard or URL-safe
/// base64, padded or not; null for "not set" (a list or a map too), and a null still counts as the one field set of
/// its oneof. Text must be valid Unicode: invalid UTF-8 or an unpaired surrogate escape is named by its field.
/// Some of those forms the JSON transcoder does not read (a quoted 32-bit integer, an exponent, URL-safe base64, a
/// null list): <see cref="Validate"/> then says the body must be rewritten, which <see cref="CanonicalJsonBody"/> does.
/// The one form refused although proto3 JSON allows it is a negative Duration with a fraction ("-1.5s"), which the
/// transcoder cannot read in any spelling.
/// </summary>
public static class JsonBodyValidator
{
    private static readonly JsonParser WktParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    /// <summary>Nested messages and arrays deeper than this are refused (the transcoder's JSON reader stops there too).</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Checks the body of a request whose http rule says <c>body: "*"</c> (<paramref name="bodyField"/> null: the body
    /// is the whole request) or <c>body: "field"</c> (the body is that field's value, and paths start with its JSON
    /// name, e.g. "book.authors[1]"). Throws a 400 <see cref="RestInputException"/> naming the first bad field.
    /// Returns whether the body holds a valid form the transcoder cannot read (see <see cref="CanonicalJsonBody"/>).
    /// </summary>
    public static bool Validate(JsonElement body, MessageDescriptor request, FieldDescriptor? bodyField)
    {
        var rewrite = false;
        if (bodyField is null)
        {
            ValidateMessage(body, request, "", depth: 0, ref rewrite);
            return rewrite;
        }
        // A JSON null would leave a message field unset here but cannot be bound as a body: say what was expected.
        if (body.ValueKind == JsonValueKind.Null)
            throw RestInputException.BadField(bodyField.JsonName, $"expected {Describe(bodyField)}, got null");
        ValidateField(body, bodyField, bodyField.JsonName, depth: 0, ref rewrite);
        return rewrite;
    }

    private static string Describe(FieldDescriptor field) =>
        field.IsMap ? "a JSON object (a map)" : field.IsRepeated ? "a JSON array" : FieldValueParser.Expected(field);

    private static void ValidateMessage(JsonElement element, MessageDescriptor message, string path, int depth, ref bool rewrite)
    {
        if (depth > MaxDepth) throw RestInputException.BadField(PathOrRoot(path), $"nested deeper than {MaxDepth} levels");
        if (WellKnownTypes.IsWrapper(message))
        {
            // google.protobuf.Int32Value and friends are written as their value, with that value's rules.
            ValidateSingle(element, message.FindFieldByNumber(1), PathOrRoot(path), depth, ref rewrite);
            return;
        }
        if (WellKnownTypes.HasSpecialJson(message))
        {
            ValidateWellKnown(element, message, path);
            return;
        }
        if (element.ValueKind != JsonValueKind.Object)
            throw RestInputException.BadField(PathOrRoot(path), $"expected a JSON object ({message.Name}), got {Kind(element)}");

        Dictionary<OneofDescriptor, string>? seenOneof = null; // only messages with a oneof pay for this
        foreach (var property in element.EnumerateObject())
        {
            var name = Name(property, path);
            var fieldPath = Join(path, name);
            var field = FieldPaths.Find(message, name)
                ?? throw RestInputException.BadField(fieldPath, $"unknown field (not in {message.FullName})");
            if (field.RealContainingOneof is { } oneof) // a null sets the oneof's case too (the transcoder counts it)
            {
                seenOneof ??= [];
                if (seenOneof.TryGetValue(oneof, out var other))
                    throw RestInputException.BadField(fieldPath, $"'{other}' is already set: only one field of '{oneof.Name}' may be");
                seenOneof[oneof] = name;
            }
            ValidateField(property.Value, field, fieldPath, depth, ref rewrite);
        }
    }

    private static void ValidateField(JsonElement value, FieldDescriptor field, string path, int depth, ref bool rewrite)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            // null = not set; the transcoder cannot assign null to a list or a map, so such a null is left out.
            if (field.IsRepeated) rewrite = true;
            return;
        }
        if (field.IsMap)
        {
            if (value.ValueKind != JsonValueKind.Object) throw RestInputException.BadField(path, $"expected a JSON object (a map), got {Kind(value)}");
            var keyField = field.MessageType.FindFieldByNumber(1);
            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (var entry in value.EnumerateObject())
            {
                var key = Name(entry, path);
                var entryPath = $"{path}[{JsonSerializer.Serialize(key)}]";
                if (keyField.FieldType != FieldType.String) FieldValueParser.Parse(keyField, key, entryPath);
                if (entry.Value.ValueKind == JsonValueKind.Null) throw RestInputException.BadField(entryPath, "a map value cannot be null");
                ValidateSingle(entry.Value, valueField, entryPath, depth + 1, ref rewrite);
            }
            return;
        }
        if (field.IsRepeated)
        {
            if (value.ValueKind != JsonValueKind.Array) throw RestInputException.BadField(path, $"expected a JSON array, got {Kind(value)}");
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                var itemPath = $"{path}[{i++}]";
                if (item.ValueKind == JsonValueKind.Null) throw RestInputException.BadField(itemPath, "an array element cannot be null");
                ValidateSingle(item, field, itemPath, depth + 1, ref rewrite);
            }
            return;
        }
        ValidateSingle(value, field, path, depth, ref rewrite);
    }

    private static void ValidateSingle(JsonElement value, FieldDescriptor field, string path, int depth, ref bool rewrite)
    {
        switch (field.FieldType)
        {
            case FieldType.Message or FieldType.Group:
                ValidateMessage(value, field.MessageType, path, depth + 1, ref rewrite);
                return;
            case FieldType.String:
                if (value.ValueKind != JsonValueKind.String) throw Wrong(path, field, value);
                Text(value, path);
                return;
            case FieldType.Bool:
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Wrong(path, field, value);
                return;
            case FieldType.Bytes:
                if (value.ValueKind != JsonValueKind.String) throw Wrong(path, field, value);
                var base64 = Text(value, path);
                FieldValueParser.Parse(field, base64, path);
                if (ProtoJsonForms.StandardBase64(base64) != base64) rewrite = true;
                return;
            case FieldType.Enum:
                if (value.ValueKind == JsonValueKind.String)
                {
                    var name = Text(value, path);
                    if (field.EnumType.FindValueByName(name) is null)
                        throw RestInputException.BadField(path, $"unknown {field.EnumType.Name} value '{Short(name)}'; expected {FieldValueParser.Expected(field)}");
                }
                else if (value.ValueKind == JsonValueKind.Number)
                {
                    if (!value.TryGetInt32(out var n) || field.EnumType.FindValueByNumber(n) is null)
                        throw RestInputException.BadField(path, $"unknown {field.EnumType.Name} number {value.GetRawText()}; expected {FieldValueParser.Expected(field)}");
                }
                else throw Wrong(path, field, value);
                return;
            default:
                ValidateNumber(value, field, path, ref rewrite);
                return;
        }
    }

    /// <summary>
    /// Numbers in proto3 JSON: a JSON number or a string holding one, "NaN", "Infinity" and "-Infinity" for floats,
    /// integers within their type's range (a zero fraction or an exponent allowed). The transcoder reads strings only
    /// for 64-bit integers and the three float names, and integers only in plain digits: other forms need a rewrite.
    /// </summary>
    private static void ValidateNumber(JsonElement value, FieldDescriptor field, string path, ref bool rewrite)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = Text(value, path);
            if (field.FieldType is FieldType.Double or FieldType.Float)
            {
                if (text is "NaN" or "Infinity" or "-Infinity") return;
                FieldValueParser.Parse(field, text, path); // a number in a string, as proto3 JSON allows
                rewrite = true;
                return;
            }
            if (!Is64BitInteger(field.FieldType)) rewrite = true;
            ValidateInteger(text, field, path, ref rewrite);
            return;
        }
        if (value.ValueKind != JsonValueKind.Number) throw Wrong(path, field, value);
        if (field.FieldType is FieldType.Double or FieldType.Float) FieldValueParser.Parse(field, value.GetRawText(), path);
        else ValidateInteger(value.GetRawText(), field, path, ref rewrite);
    }

    private static void ValidateInteger(string text, FieldDescriptor field, string path, ref bool rewrite)
    {
        if (ProtoJsonForms.IntegerDigits(text) is not { } digits)
        {
            // "1.5" is a number, just not a whole one.
            var number = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
            throw RestInputException.BadField(path, number
                ? $"'{Short(text)}' is not {FieldValueParser.Expected(field)}: it has a fraction"
                : FieldValueParser.Describe(field, text));
        }
        FieldValueParser.Parse(field, digits, path);
        if (digits != text) rewrite = true; // "1e3", "5.0": the transcoder reads plain digits only
    }

    private static bool Is64BitInteger(FieldType type) =>
        type is FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 or FieldType.UInt64 or FieldType.Fixed64;

    private static void ValidateWellKnown(JsonElement element, MessageDescriptor message, string path)
    {
        if (WellKnownTypes.IsScalarLike(message))
        {
            // Timestamp, Duration, FieldMask: a string in the same form a URL parameter takes.
            if (element.ValueKind != JsonValueKind.String)
                throw RestInputException.BadField(PathOrRoot(path), $"expected {FieldValueParser.Expected(message)}, got {Kind(element)}");
            FieldValueParser.ParseWellKnown(message, Text(element, path), PathOrRoot(path));
            return;
        }
        try
        {
            WktParser.Parse(element.GetRawText(), message);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or InvalidOperationException)
        {
            throw RestInputException.BadField(PathOrRoot(path), $"not a valid {message.Name}: {e.Message}");
        }
    }

    /// <summary>A string value, or 400 when its bytes are not valid UTF-8 or it escapes half a surrogate pair.</summary>
    private static string Text(JsonElement value, string path)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw RestInputException.BadField(PathOrRoot(path), NotUnicode);
        }
    }

    /// <summary>A property name (a field or a map key), or 400 naming the object that holds it when it is not valid Unicode.</summary>
    private static string Name(JsonProperty property, string path)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            throw RestInputException.BadField(PathOrRoot(path), $"a field name or map key {NotUnicode}");
        }
    }

    private const string NotUnicode = "is not valid Unicode text (invalid UTF-8, or an unpaired surrogate escape)";

    private static RestInputException Wrong(string path, FieldDescriptor field, JsonElement value) =>
        RestInputException.BadField(path, $"expected {FieldValueParser.Expected(field)}, got {Kind(value)}");

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => QuotedOrPlain(e),
        JsonValueKind.Number => $"the number {Short(e.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        _ => "null",
    };

    /// <summary>The string as sent (shortened) when it is valid text, else just "a string".</summary>
    private static string QuotedOrPlain(JsonElement e)
    {
        try { return $"the string {Short(e.GetRawText())}"; }
        catch (InvalidOperationException) { return "a string"; }
    }

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";
    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
    private static string PathOrRoot(string path) => path.Length == 0 ? "(body)" : path;
}
