using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// Turns one text value from a path variable or a query parameter into the value of a field, following the proto3
/// JSON forms: integers (64-bit too), floats incl. NaN/Infinity, true/false, base64 bytes, enums by name or number,
/// Timestamp as RFC 3339, Duration as "1.5s", FieldMask as "a,b.c", wrappers as their inner value.
/// Failures are <see cref="GatewayException"/>s naming <c>fieldName</c>.
/// </summary>
public static class FieldValueParser
{
    private static readonly JsonParser WktParser = new(JsonParser.Settings.Default);

    public static object Parse(FieldDescriptor field, string text, string fieldName)
    {
        try
        {
            return ParseCore(field, text, fieldName);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidProtocolBufferException or InvalidJsonException)
        {
            throw GatewayException.BadField(fieldName, Describe(field, text));
        }
    }

    private static object ParseCore(FieldDescriptor field, string text, string fieldName)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (field.FieldType)
        {
            case FieldType.String: return text;
            case FieldType.Bool:
                return text switch { "true" => true, "false" => false, _ => throw new FormatException() };
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                return int.Parse(text, NumberStyles.AllowLeadingSign, inv);
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                return long.Parse(text, NumberStyles.AllowLeadingSign, inv);
            case FieldType.UInt32 or FieldType.Fixed32:
                return uint.Parse(text, NumberStyles.None, inv);
            case FieldType.UInt64 or FieldType.Fixed64:
                return ulong.Parse(text, NumberStyles.None, inv);
            case FieldType.Double: return ParseDouble(text);
            case FieldType.Float:
                var d = ParseDouble(text);
                var f = (float)d;
                if (float.IsInfinity(f) && !double.IsInfinity(d)) throw new OverflowException();
                return f;
            case FieldType.Bytes: return ParseBytes(text);
            case FieldType.Enum: return ParseEnum(field.EnumType, text);
            case FieldType.Message when WellKnownTypes.IsScalarLike(field.MessageType):
                return ParseScalarLikeMessage(field.MessageType, text);
            default:
                throw GatewayException.BadField(fieldName, "this field cannot be set from a URL; send it in the JSON body");
        }
    }

    private static double ParseDouble(string text) => text switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) is var v && double.IsFinite(v)
            ? v : throw new OverflowException(),
    };

    private static ByteString ParseBytes(string text)
    {
        // proto3 JSON accepts standard and URL-safe base64, padded or not.
        var normal = text.Replace('-', '+').Replace('_', '/');
        normal = normal.PadRight(normal.Length + (4 - normal.Length % 4) % 4, '=');
        return ByteString.FromBase64(normal);
    }

    /// <summary>Enum by name, or by number when the number is a defined value (unknown numbers would silently lose meaning at the edge).</summary>
    public static int ParseEnum(EnumDescriptor type, string text)
    {
        if (type.FindValueByName(text) is { } byName) return byName.Number;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && type.FindValueByNumber(number) is not null)
            return number;
        throw new FormatException();
    }

    private static object ParseScalarLikeMessage(MessageDescriptor type, string text)
    {
        if (WellKnownTypes.IsWrapper(type))
        {
            // A wrapper field is a nullable primitive in C# (int?, string…): its value is the inner "value" field's.
            var inner = type.FindFieldByNumber(1);
            return ParseCore(inner, text, inner.Name);
        }
        // Timestamp, Duration and FieldMask: their JSON form is a string; let Google.Protobuf parse it.
        return WktParser.Parse(JsonSerializer.Serialize(text), type);
    }

    /// <summary>What was expected, for the error message.</summary>
    public static string Describe(FieldDescriptor field, string text) => $"'{Truncate(text)}' is not {Expected(field)}";

    public static string Expected(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Bool => "true or false",
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => "a 32-bit integer",
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => "a 64-bit integer",
        FieldType.UInt32 or FieldType.Fixed32 => "an unsigned 32-bit integer",
        FieldType.UInt64 or FieldType.Fixed64 => "an unsigned 64-bit integer",
        FieldType.Double or FieldType.Float => "a number",
        FieldType.Bytes => "base64",
        FieldType.String => "a string",
        FieldType.Enum => $"one of {string.Join(", ", field.EnumType.Values.Select(v => v.Name))} (or its number)",
        FieldType.Message => field.MessageType.FullName switch
        {
            "google.protobuf.Timestamp" => "an RFC 3339 timestamp such as 2024-05-01T10:00:00Z",
            "google.protobuf.Duration" => "a duration in seconds such as 1.5s",
            "google.protobuf.FieldMask" => "a comma-separated list of field paths",
            _ when WellKnownTypes.IsWrapper(field.MessageType) => Expected(field.MessageType.FindFieldByNumber(1)),
            _ => $"a {field.MessageType.Name} object",
        },
        _ => "valid",
    };

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
