using System.Globalization;
using System.Text.Json;
using Google.Protobuf.Reflection;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Rewrites a JSON body that <see cref="JsonBodyValidator"/> accepted into the spelling the JSON transcoder reads,
/// value for value: 32-bit integers and quoted floats as JSON numbers, integers in plain digits, bytes in standard
/// padded base64, and a null list or map left out. Everything else is copied as sent. Only bodies that need it pay
/// for this (the validator says which); the body has been validated, so every value here parses.
/// </summary>
public static class CanonicalJsonBody
{
    public static byte[] Write(JsonElement body, MessageDescriptor request, FieldDescriptor? bodyField)
    {
        var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output))
        {
            if (bodyField is null) WriteMessage(writer, body, request);
            else WriteField(writer, body, bodyField);
        }
        return output.ToArray();
    }

    private static void WriteMessage(Utf8JsonWriter writer, JsonElement element, MessageDescriptor message)
    {
        if (WellKnownTypes.IsWrapper(message))
        {
            WriteSingle(writer, element, message.FindFieldByNumber(1));
            return;
        }
        if (WellKnownTypes.HasSpecialJson(message) || element.ValueKind != JsonValueKind.Object)
        {
            element.WriteTo(writer);
            return;
        }
        writer.WriteStartObject();
        foreach (var property in element.EnumerateObject())
        {
            var field = FieldPaths.Find(message, property.Name)!;
            if (property.Value.ValueKind == JsonValueKind.Null && field.IsRepeated) continue; // not set: left out
            writer.WritePropertyName(property.Name);
            if (property.Value.ValueKind == JsonValueKind.Null) writer.WriteNullValue();
            else WriteField(writer, property.Value, field);
        }
        writer.WriteEndObject();
    }

    private static void WriteField(Utf8JsonWriter writer, JsonElement value, FieldDescriptor field)
    {
        if (field.IsMap)
        {
            var valueField = field.MessageType.FindFieldByNumber(2);
            writer.WriteStartObject();
            foreach (var entry in value.EnumerateObject())
            {
                writer.WritePropertyName(entry.Name);
                WriteSingle(writer, entry.Value, valueField);
            }
            writer.WriteEndObject();
            return;
        }
        if (field.IsRepeated)
        {
            writer.WriteStartArray();
            foreach (var item in value.EnumerateArray()) WriteSingle(writer, item, field);
            writer.WriteEndArray();
            return;
        }
        WriteSingle(writer, value, field);
    }

    private static void WriteSingle(Utf8JsonWriter writer, JsonElement value, FieldDescriptor field)
    {
        switch (field.FieldType)
        {
            case FieldType.Message or FieldType.Group:
                WriteMessage(writer, value, field.MessageType);
                return;
            case FieldType.Bytes:
                writer.WriteStringValue(ProtoJsonForms.StandardBase64(value.GetString()!));
                return;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 or FieldType.UInt32 or FieldType.Fixed32:
                writer.WriteRawValue(Digits(value), skipInputValidation: true);
                return;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 or FieldType.UInt64 or FieldType.Fixed64:
                writer.WriteStringValue(Digits(value)); // as a string: a JSON number this large loses digits in many readers
                return;
            case FieldType.Double or FieldType.Float when value.ValueKind == JsonValueKind.String
                                                         && value.GetString() is not ("NaN" or "Infinity" or "-Infinity"):
                writer.WriteNumberValue(double.Parse(value.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture));
                return;
            default:
                value.WriteTo(writer);
                return;
        }
    }

    private static string Digits(JsonElement value) =>
        ProtoJsonForms.IntegerDigits(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText())!;
}
