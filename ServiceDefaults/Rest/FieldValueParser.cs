using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Checks one text value from a path variable, a query parameter or a JSON number against the field it sets,
/// following the proto3 JSON forms: integers (64-bit too), floats incl. NaN/Infinity, true/false, base64 bytes,
/// enums by name or number, Timestamp as RFC 3339, Duration as "1.5s", FieldMask as "a,b.c", wrappers as their
/// inner value. Failures are <see cref="RestInputException"/>s naming <c>fieldName</c> and, for a number out of
/// range, the real limit ("at most 9223372036854775807").
/// </summary>
public static class FieldValueParser
{
    private static readonly JsonParser WktParser = new(JsonParser.Settings.Default);

    /// <summary>The value of a path variable or query parameter (a URL: a FieldMask may name proto paths there).</summary>
    public static object Parse(FieldDescriptor field, string text, string fieldName)
    {
        try
        {
            return ParseCore(field, text, fieldName);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidProtocolBufferException or InvalidJsonException)
        {
            throw RestInputException.BadField(fieldName, Describe(field, text));
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
                return ParseScalarLikeMessage(field.MessageType, text, inUrl: true);
            default:
                throw RestInputException.BadField(fieldName, "this field cannot be set from a URL; send it in the JSON body");
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

    /// <summary>Base64, standard or URL-safe, padded or not (the caller hands the transcoder the standard form).</summary>
    private static ByteString ParseBytes(string text) => ByteString.FromBase64(ProtoJsonForms.StandardBase64(text));

    /// <summary>Enum by name, or by number when the number is a defined value (an unknown number would silently lose meaning).</summary>
    public static int ParseEnum(EnumDescriptor type, string text)
    {
        if (type.FindValueByName(text) is { } byName) return byName.Number;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && type.FindValueByNumber(number) is not null)
            return number;
        throw new FormatException();
    }

    private static object ParseScalarLikeMessage(MessageDescriptor type, string text, bool inUrl)
    {
        if (WellKnownTypes.IsWrapper(type))
        {
            // A wrapper field is a nullable primitive in C# (int?, string…): its value is the inner "value" field's.
            var inner = type.FindFieldByNumber(1);
            return ParseCore(inner, text, inner.Name);
        }
        // A FieldMask in a URL may name its paths as in the proto ("duration_minutes"); its JSON form cannot (the
        // transcoder refuses that in a body).
        if (inUrl && type.FullName == FieldMask.Descriptor.FullName && text.Contains('_')) return FieldMask.FromString(text);
        // Timestamp, Duration and FieldMask: their JSON form is a string; let Google.Protobuf parse it.
        var value = WktParser.Parse(JsonSerializer.Serialize(text), type);
        // The transcoder's own Duration reader refuses a negative duration with a fraction ("-1.5s").
        if (value is Duration { Nanos: < 0 }) throw new FormatException();
        return value;
    }

    /// <summary>A Timestamp, Duration or FieldMask in its JSON string form, or 400 naming <paramref name="fieldName"/>.</summary>
    public static void ParseWellKnown(MessageDescriptor type, string text, string fieldName)
    {
        try
        {
            ParseScalarLikeMessage(type, text, inUrl: false);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidProtocolBufferException or InvalidJsonException)
        {
            throw RestInputException.BadField(fieldName, $"'{Truncate(text)}' is not {Expected(type)}");
        }
    }

    /// <summary>Why <paramref name="text"/> does not fit the field: out of range (with the limit it passed) or not of its kind.</summary>
    public static string Describe(FieldDescriptor field, string text)
    {
        var scalar = ScalarOf(field);
        if (OutOfRange(scalar.FieldType, text) is { } limit)
            return $"'{Truncate(text)}' is out of range: {Expected(scalar)} is {limit}";
        return $"'{Truncate(text)}' is not {Expected(field)}";
    }

    /// <summary>"at most …" / "at least …" when <paramref name="text"/> is a number of the type's form beyond its range, in plain digits.</summary>
    private static string? OutOfRange(FieldType type, string text) => type switch
    {
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Whole(text, int.MinValue, int.MaxValue),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Whole(text, long.MinValue, long.MaxValue),
        FieldType.UInt32 or FieldType.Fixed32 => Whole(text, 0, uint.MaxValue),
        FieldType.UInt64 or FieldType.Fixed64 => Whole(text, 0, ulong.MaxValue),
        FieldType.Float => Real(text, float.MaxValue, "340282346638528859811704183484516925440"),
        FieldType.Double => Real(text, double.MaxValue, "1.7976931348623157e308"),
        _ => null,
    };

    private static string? Whole(string text, BigInteger min, BigInteger max) =>
        !BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? null
        : value > max ? $"at most {max}"
        : value < min ? $"at least {min}"
        : null;

    private static string? Real(string text, double max, string maxText) =>
        text is "Infinity" or "-Infinity" || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? null
        : value > max ? $"at most {maxText}"
        : value < -max ? $"at least -{maxText}"
        : null;

    public static string Expected(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Bool => "true or false",
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => "a 32-bit integer",
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => "a 64-bit integer",
        FieldType.UInt32 or FieldType.Fixed32 => "an unsigned 32-bit integer",
        FieldType.UInt64 or FieldType.Fixed64 => "an unsigned 64-bit integer",
        FieldType.Double => "a number",
        FieldType.Float => "a 32-bit floating-point number",
        FieldType.Bytes => "base64",
        FieldType.String => "a string",
        FieldType.Enum => $"one of {string.Join(", ", field.EnumType.Values.Select(v => v.Name))} (or its number)",
        FieldType.Message => Expected(field.MessageType),
        _ => "valid",
    };

    public static string Expected(MessageDescriptor type) => type.FullName switch
    {
        "google.protobuf.Timestamp" => "an RFC 3339 timestamp such as 2024-05-01T10:00:00Z",
        "google.protobuf.Duration" => "a duration in seconds such as 1.5s (a negative one in whole seconds)",
        "google.protobuf.FieldMask" => "a comma-separated list of field paths",
        _ when WellKnownTypes.IsWrapper(type) => Expected(type.FindFieldByNumber(1)),
        _ => $"a {type.Name} object",
    };

    /// <summary>The field a wrapper (google.protobuf.Int64Value…) holds, else the field itself.</summary>
    private static FieldDescriptor ScalarOf(FieldDescriptor field) =>
        field.FieldType == FieldType.Message && WellKnownTypes.IsWrapper(field.MessageType) ? field.MessageType.FindFieldByNumber(1) : field;

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";

}
