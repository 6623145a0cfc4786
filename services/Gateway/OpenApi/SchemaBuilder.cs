using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;

namespace Mesh.Gateway.OpenApi;

/// <summary>
/// JSON Schemas (OpenAPI 3.0 flavour) for proto3 JSON: messages and enums become components referenced by full
/// name; int64/uint64 are strings (as proto3 JSON writes them); well-known types get their JSON forms.
/// </summary>
public sealed class SchemaBuilder(ProtoComments comments)
{
    private readonly SortedDictionary<string, JsonObject> _components = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);

    public JsonObject Components()
    {
        var result = new JsonObject();
        foreach (var (name, schema) in _components) result[name] = schema.DeepClone();
        return result;
    }

    public JsonObject Ref(MessageDescriptor message)
    {
        if (WellKnown(message) is { } inline) return inline;
        EnsureMessage(message);
        return new JsonObject { ["$ref"] = $"#/components/schemas/{message.FullName}" };
    }

    public JsonObject ForField(FieldDescriptor field, bool withDescription)
    {
        JsonObject schema;
        if (field.IsMap)
        {
            schema = new JsonObject { ["type"] = "object", ["additionalProperties"] = Single(field.MessageType.FindFieldByNumber(2)) };
        }
        else if (field.IsRepeated)
        {
            schema = new JsonObject { ["type"] = "array", ["items"] = Single(field) };
        }
        else
        {
            schema = Single(field);
        }
        if (withDescription && comments.For(field.FullName) is { } description)
        {
            // Siblings of $ref are ignored in OpenAPI 3.0: wrap it to keep the description.
            schema = schema.ContainsKey("$ref") ? new JsonObject { ["allOf"] = new JsonArray(schema), ["description"] = description } : schema;
            schema["description"] = description;
        }
        return schema;
    }

    private JsonObject Single(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Double => new JsonObject { ["type"] = "number", ["format"] = "double" },
        FieldType.Float => new JsonObject { ["type"] = "number", ["format"] = "float" },
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => new JsonObject { ["type"] = "integer", ["format"] = "int32" },
        FieldType.UInt32 or FieldType.Fixed32 => new JsonObject { ["type"] = "integer", ["format"] = "int64", ["minimum"] = 0 },
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => new JsonObject { ["type"] = "string", ["format"] = "int64" },
        FieldType.UInt64 or FieldType.Fixed64 => new JsonObject { ["type"] = "string", ["format"] = "uint64" },
        FieldType.Bool => new JsonObject { ["type"] = "boolean" },
        FieldType.String => new JsonObject { ["type"] = "string" },
        FieldType.Bytes => new JsonObject { ["type"] = "string", ["format"] = "byte" },
        FieldType.Enum => EnumRef(field.EnumType),
        _ => Ref(field.MessageType),
    };

    private JsonObject EnumRef(EnumDescriptor type)
    {
        if (!_components.ContainsKey(type.FullName))
        {
            var schema = new JsonObject
            {
                ["type"] = "string",
                ["enum"] = new JsonArray([.. type.Values.Select(v => JsonValue.Create(v.Name))]),
            };
            if (comments.For(type.FullName) is { } description) schema["description"] = description;
            _components[type.FullName] = schema;
        }
        return new JsonObject { ["$ref"] = $"#/components/schemas/{type.FullName}" };
    }

    private void EnsureMessage(MessageDescriptor message)
    {
        if (_components.ContainsKey(message.FullName) || !_inProgress.Add(message.FullName)) return;
        var properties = new JsonObject();
        foreach (var field in message.Fields.InDeclarationOrder())
            properties[field.JsonName] = ForField(field, withDescription: true);
        var schema = new JsonObject { ["type"] = "object" };
        if (comments.For(message.FullName) is { } description) schema["description"] = description;
        schema["properties"] = properties;
        _components[message.FullName] = schema;
        _inProgress.Remove(message.FullName);
    }

    private static JsonObject? WellKnown(MessageDescriptor message) => message.FullName switch
    {
        "google.protobuf.Timestamp" => new JsonObject { ["type"] = "string", ["format"] = "date-time" },
        "google.protobuf.Duration" => new JsonObject { ["type"] = "string", ["example"] = "1.5s" },
        "google.protobuf.FieldMask" => new JsonObject { ["type"] = "string", ["example"] = "title,authors" },
        "google.protobuf.Empty" => new JsonObject { ["type"] = "object" },
        "google.protobuf.Struct" => new JsonObject { ["type"] = "object", ["additionalProperties"] = true },
        "google.protobuf.Value" => new JsonObject(),
        "google.protobuf.ListValue" => new JsonObject { ["type"] = "array", ["items"] = new JsonObject() },
        "google.protobuf.Any" => new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["@type"] = new JsonObject { ["type"] = "string" } },
            ["additionalProperties"] = true,
        },
        "google.protobuf.Int32Value" or "google.protobuf.UInt32Value" => new JsonObject { ["type"] = "integer", ["nullable"] = true },
        "google.protobuf.Int64Value" or "google.protobuf.UInt64Value" => new JsonObject { ["type"] = "string", ["format"] = "int64", ["nullable"] = true },
        "google.protobuf.FloatValue" or "google.protobuf.DoubleValue" => new JsonObject { ["type"] = "number", ["nullable"] = true },
        "google.protobuf.BoolValue" => new JsonObject { ["type"] = "boolean", ["nullable"] = true },
        "google.protobuf.StringValue" => new JsonObject { ["type"] = "string", ["nullable"] = true },
        "google.protobuf.BytesValue" => new JsonObject { ["type"] = "string", ["format"] = "byte", ["nullable"] = true },
        _ => null,
    };
}
