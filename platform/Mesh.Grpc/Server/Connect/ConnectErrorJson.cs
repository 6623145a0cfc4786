using System.Buffers;
using System.Text.Json;
using Mesh.Grpc.Wire;

namespace Mesh.Grpc.Server.Connect;

/// <summary>
/// The JSON bodies of the Connect protocol: the error object {"code","message","details"} (the body of a
/// failed unary call) and the end-of-stream object {"error":…,"metadata":…} (the last envelope of a stream).
/// A google.rpc.Status put in the trailers as grpc-status-details-bin becomes the error's "details".
/// </summary>
internal static class ConnectErrorJson
{
    public static void WriteError(IBufferWriter<byte> output, Status status, Metadata? trailers)
    {
        using var json = new Utf8JsonWriter(output);
        WriteErrorObject(json, status, trailers);
    }

    public static void WriteEndStream(IBufferWriter<byte> output, Status status, Metadata? trailers)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        if (status.StatusCode != StatusCode.OK)
        {
            json.WritePropertyName("error");
            WriteErrorObject(json, status, trailers);
        }
        if (trailers is { Count: > 0 })
        {
            json.WritePropertyName("metadata");
            json.WriteStartObject();
            foreach (var group in trailers.Where(e => !IsStatusDetails(e.Key)).GroupBy(e => e.Key.ToLowerInvariant()))
            {
                json.WriteStartArray(group.Key);
                foreach (var entry in group)
                    json.WriteStringValue(entry.IsBinary ? MetadataHeaders.EncodeBinary(entry.ValueBytes) : entry.Value);
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    public static bool IsStatusDetails(string key) => key.Equals(GrpcProtocol.StatusDetailsTrailer, StringComparison.OrdinalIgnoreCase);

    private static void WriteErrorObject(Utf8JsonWriter json, Status status, Metadata? trailers)
    {
        json.WriteStartObject();
        json.WriteString("code", ConnectProtocol.CodeName(status.StatusCode));
        if (status.Detail.Length > 0) json.WriteString("message", status.Detail);
        var details = trailers?.GetValueBytes(GrpcProtocol.StatusDetailsTrailer);
        if (details is not null && TryParseRichStatus(details, out var rich) && rich.Details.Count > 0)
        {
            json.WriteStartArray("details");
            foreach (var any in rich.Details)
            {
                json.WriteStartObject();
                // Connect names the type without Any's "type.googleapis.com/" prefix.
                json.WriteString("type", any.TypeUrl[(any.TypeUrl.LastIndexOf('/') + 1)..]);
                json.WriteString("value", MetadataHeaders.EncodeBinary(any.Value.ToByteArray()));
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static bool TryParseRichStatus(byte[] bytes, out Google.Rpc.Status status)
    {
        try
        {
            status = Google.Rpc.Status.Parser.ParseFrom(bytes);
            return true;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            status = new Google.Rpc.Status();
            return false;
        }
    }
}
