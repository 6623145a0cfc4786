using System.Text;
using System.Text.Json;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// Writes gRPC responses as HTTP: proto3 JSON (lowerCamel names, int64 as strings, well-known types in their JSON
/// forms), only the response_body field when the rule names one, and google.api.HttpBody as its raw bytes.
/// Server streams go out as Server-Sent Events or newline-delimited JSON, flushed message by message.
/// </summary>
public sealed class ResponseWriter
{
    public const string EventStream = "text/event-stream";
    public const string NdJson = "application/x-ndjson";

    private const int DirectWriteLimit = 32 * 1024;

    private readonly JsonFormatter _formatter;
    private readonly JsonFormatter _withDefaults;

    public ResponseWriter(TypeRegistry registry)
    {
        _formatter = new JsonFormatter(JsonFormatter.Settings.Default.WithTypeRegistry(registry));
        _withDefaults = new JsonFormatter(JsonFormatter.Settings.Default.WithTypeRegistry(registry).WithFormatDefaultValues(true));
    }

    public async Task WriteUnaryAsync(HttpContext context, HttpRoute route, IMessage response)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        if (route.ResponseBodyField is { } field)
        {
            var value = field.Accessor.GetValue(response);
            if (value is IMessage message && !field.IsRepeated && !field.IsMap)
            {
                if (message is HttpBody raw) { await WriteRawAsync(context, raw); return; }
                await WriteJsonAsync(context, _formatter.Format(message));
                return;
            }
            await WriteJsonAsync(context, ExtractField(response, field));
            return;
        }
        if (response is HttpBody body) { await WriteRawAsync(context, body); return; }
        await WriteJsonAsync(context, _formatter.Format(response));
    }

    /// <summary>
    /// Relays a server stream. Nothing is committed until the first message (or the end) arrives, so a call that
    /// fails at once still gets a proper HTTP error status; after that, errors travel inside the stream.
    /// </summary>
    public async Task WriteStreamAsync(HttpContext context, HttpRoute route, IAsyncStreamReader<IMessage> stream, ErrorWriter errors)
    {
        var sse = WantsEventStream(context.Request);
        var aborted = context.RequestAborted;
        var started = false;
        var sequence = 0;
        try
        {
            while (await stream.MoveNext(aborted))
            {
                if (!started)
                {
                    context.Response.StatusCode = StatusCodes.Status200OK;
                    context.Response.ContentType = sse ? EventStream : NdJson;
                    context.Response.Headers.CacheControl = "no-cache";
                    context.Response.Headers["X-Accel-Buffering"] = "no"; // proxies must not buffer a live stream
                    started = true;
                }
                var json = FormatStreamed(route, stream.Current);
                var frame = sse ? $"id: {++sequence}\ndata: {json}\n\n" : json + "\n";
                await context.Response.WriteAsync(frame, Encoding.UTF8, aborted);
                await context.Response.Body.FlushAsync(aborted);
            }
            if (!started)
            {
                // An empty stream: a valid, empty body of the negotiated type.
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = sse ? EventStream : NdJson;
            }
        }
        catch (RpcException e) when (started && !aborted.IsCancellationRequested)
        {
            var status = errors.Format(new Google.Rpc.Status { Code = (int)e.StatusCode, Message = e.Status.Detail });
            var frame = sse ? $"event: error\ndata: {status}\n\n" : $"{{\"error\":{status}}}\n";
            await context.Response.WriteAsync(frame, Encoding.UTF8, aborted);
        }
    }

    public static bool WantsEventStream(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains(EventStream, StringComparison.OrdinalIgnoreCase));

    private string FormatStreamed(HttpRoute route, IMessage message) =>
        route.ResponseBodyField is { } field
            ? field.Accessor.GetValue(message) is IMessage m && !field.IsRepeated && !field.IsMap ? _formatter.Format(m) : ExtractField(message, field)
            : _formatter.Format(message);

    /// <summary>The JSON of one non-message field (scalar, repeated, map), defaults included ("" / 0 / []).</summary>
    private string ExtractField(IMessage message, FieldDescriptor field)
    {
        using var document = JsonDocument.Parse(_withDefaults.Format(message));
        return document.RootElement.TryGetProperty(field.JsonName, out var value) ? value.GetRawText() : "null";
    }

    /// <summary>
    /// The JSON encoded straight into the response pipe with its Content-Length: no intermediate byte array, and
    /// HTTP/1.1 needs no chunked framing (HTTP/2 can end the stream with the data frame).
    /// </summary>
    private static Task WriteJsonAsync(HttpContext context, string json)
    {
        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        var length = Encoding.UTF8.GetByteCount(json);
        response.ContentLength = length;
        // Large documents go through the chunking writer rather than asking the pipe for one huge buffer.
        if (length > DirectWriteLimit) return response.WriteAsync(json, Encoding.UTF8, context.RequestAborted);
        var writer = response.BodyWriter;
        var written = Encoding.UTF8.GetBytes(json, writer.GetSpan(length));
        writer.Advance(written);
        var flush = writer.FlushAsync(context.RequestAborted);
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    private static async Task WriteRawAsync(HttpContext context, HttpBody body)
    {
        context.Response.ContentType = body.ContentType is { Length: > 0 } type ? type : "application/octet-stream";
        context.Response.ContentLength = body.Data.Length;
        await context.Response.Body.WriteAsync(body.Data.Memory, context.RequestAborted);
    }
}
