using System.Collections;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Primitives;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// Builds the gRPC request of a route from an HTTP request, in the order http.proto prescribes: the body ("*" or
/// the named field), then the path variables (which win over the body, e.g. {book.name} with body "book"), then
/// every other field from the query string (nested "a.b=1", repeated "x=1&amp;x=2"). Every failure is a 400 naming
/// the field; nothing here can throw anything else for bad input.
/// </summary>
public sealed class RequestBinder(JsonParser parser)
{
    public IMessage Bind(HttpRoute route, string[] pathValues, ReadOnlyMemory<byte> body, IQueryCollection query)
    {
        var request = ParseBody(route, body);

        for (var i = 0; i < pathValues.Length; i++)
        {
            var fields = route.VariableFields[i];
            var name = route.Template.Variables[i].FieldPath;
            Set(request, fields, FieldValueParser.Parse(fields[^1], pathValues[i], name));
        }

        if (route.Body != "*") BindQuery(route, request, query);
        return request;
    }

    private IMessage ParseBody(HttpRoute route, ReadOnlyMemory<byte> body)
    {
        var input = route.Method.Descriptor.InputType;
        if (route.Body is null || IsBlank(body.Span)) return route.Method.NewRequest();

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 100 });
        }
        catch (JsonException e)
        {
            throw GatewayException.BadField("(body)", $"malformed JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}");
        }

        using (document)
        {
            string json;
            if (route.BodyField is { } field)
            {
                // Parse "{"field": <body>}" into the request: one code path for messages, scalars, repeated and maps.
                var wrapper = new JsonObjectWrapper(field.JsonName, document.RootElement);
                JsonBodyValidator.Validate(wrapper.Element, input, "");
                json = wrapper.Json;
            }
            else
            {
                JsonBodyValidator.Validate(document.RootElement, input, "");
                json = document.RootElement.GetRawText();
            }
            try
            {
                return parser.Parse(json, input);
            }
            catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or InvalidOperationException)
            {
                // The validator should have caught it; never let a parser's surprise become a 500.
                throw GatewayException.BadField(route.BodyField?.JsonName ?? "(body)", e.Message);
            }
        }
    }

    private static void BindQuery(HttpRoute route, IMessage request, IQueryCollection query)
    {
        var input = route.Method.Descriptor.InputType;
        foreach (var (key, values) in query)
        {
            var fields = FieldPaths.Resolve(input, key)
                ?? throw GatewayException.BadField(key, $"unknown query parameter (not a field of {input.FullName})");
            var protoPath = FieldPaths.ProtoPath(fields);
            if (route.PathBoundFields.Any(p => FieldPaths.Covers(p, protoPath) || FieldPaths.Covers(protoPath, p)))
                throw GatewayException.BadField(key, "this field is bound by the URL path and cannot also be a query parameter");
            if (route.BodyField is { } bodyField && FieldPaths.Covers(bodyField.Name, protoPath))
                throw GatewayException.BadField(key, $"this field is bound by the request body ('{bodyField.JsonName}')");
            var last = fields[^1];
            if (last.IsMap)
                throw GatewayException.BadField(key, "a map field cannot be set from the query string; send it in the JSON body");
            if (last.IsRepeated)
            {
                foreach (var value in Split(values))
                    Append(request, fields, FieldValueParser.Parse(last, value, key));
            }
            else
            {
                if (values.Count > 1) throw GatewayException.BadField(key, "given more than once, but the field is not repeated");
                if (last.RealContainingOneof is { } oneof && IsOneofSet(FieldPaths.Parent(request, fields), oneof))
                    throw GatewayException.BadField(key, $"another field of '{oneof.Name}' is already set");
                Set(request, fields, FieldValueParser.Parse(last, values.ToString(), key));
            }
        }
    }

    private static IEnumerable<string> Split(StringValues values)
    {
        foreach (var v in values) if (v is not null) yield return v;
    }

    private static bool IsOneofSet(IMessage message, OneofDescriptor oneof) =>
        oneof.Accessor.GetCaseFieldDescriptor(message) is not null;

    private static void Set(IMessage request, FieldDescriptor[] fields, object value) =>
        fields[^1].Accessor.SetValue(FieldPaths.Parent(request, fields), value);

    private static void Append(IMessage request, FieldDescriptor[] fields, object value) =>
        ((IList)fields[^1].Accessor.GetValue(FieldPaths.Parent(request, fields))).Add(value);

    private static bool IsBlank(ReadOnlySpan<byte> body)
    {
        foreach (var b in body) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return false;
        return true;
    }

    /// <summary>{"jsonName": body} as text and as a parsed element.</summary>
    private sealed class JsonObjectWrapper
    {
        public JsonObjectWrapper(string name, JsonElement value)
        {
            var builder = new StringBuilder();
            builder.Append('{').Append(JsonSerializer.Serialize(name)).Append(':').Append(value.GetRawText()).Append('}');
            Json = builder.ToString();
            Element = JsonDocument.Parse(Json).RootElement;
        }

        public string Json { get; }
        public JsonElement Element { get; }
    }
}
