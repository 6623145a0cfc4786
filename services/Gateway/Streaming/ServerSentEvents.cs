using System.Text;
using System.Text.Json;
using Google.Api;
using Google.Protobuf.Reflection;
using Mesh.Gateway.Errors;
using Mesh.Gateway.Routing;
using Yarp.ReverseProxy.Transforms;

namespace Mesh.Gateway.Streaming;

/// <summary>
/// A server-streaming route as the caller asks for it. The service's JSON transcoding answers a server stream as
/// newline-delimited JSON, one message per line, each written and flushed as it is produced; an error after the
/// first message ends the stream with one more line, <c>{"error":&lt;google.rpc.Status&gt;}</c> (ServiceDefaults'
/// StreamErrorLine).
/// <list type="bullet">
/// <item>With <c>Accept: text/event-stream</c> the edge answers Server-Sent Events, converting line by line as each
/// arrives and flushing each event: <c>id: N\ndata: &lt;json&gt;\n\n</c> per message, <c>event: error\ndata:
/// &lt;status json&gt;\n\n</c> for the error line.</item>
/// <item>Otherwise the lines pass through untouched, as <c>application/x-ndjson</c>.</item>
/// </list>
/// A caller that leaves cancels the read; YARP then disposes the service's response, which aborts its connection, and
/// the service sees its call cancelled. An error before the first message is the service's ordinary error answer
/// (its HTTP status, the error body) and passes through as such.
/// </summary>
public sealed class ServerSentEvents
{
    public const string MediaType = "text/event-stream";
    public const string NdJson = "application/x-ndjson";

    private const string ErrorLineStart = "{\"error\":";

    private readonly bool _errorLinesAreRecognisable;

    public ServerSentEvents(EdgeRoute route)
    {
        // An error line is told from a message line by its shape: one property, "error". That works unless the
        // streamed message itself has nothing but a field of that name.
        var streamed = StreamedMessage(route);
        _errorLinesAreRecognisable = streamed is null || !streamed.Fields.InDeclarationOrder().All(f => f.JsonName == "error");
    }

    public static bool IsWanted(HttpRequest request)
    {
        foreach (var accept in request.Headers.Accept)
            if (accept is not null && accept.Contains(MediaType, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    public async ValueTask TransformAsync(ResponseTransformContext context)
    {
        if (context.ProxyResponse is not { IsSuccessStatusCode: true } upstream) return;
        var response = context.HttpContext.Response;
        if (!IsWanted(context.HttpContext.Request))
        {
            response.ContentType = NdJson; // the body is the service's, line for line
            return;
        }

        context.SuppressResponseBody = true;
        response.Headers.ContentLength = null;
        response.ContentType = MediaType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // proxies in front must not buffer a live stream
        var aborted = context.HttpContext.RequestAborted;
        try
        {
            await using var body = await upstream.Content.ReadAsStreamAsync(aborted);
            using var lines = new StreamReader(body, Encoding.UTF8);
            await response.StartAsync(aborted);
            var sequence = 0L;
            while (await lines.ReadLineAsync(aborted) is { } line)
            {
                if (line.Length == 0) continue;
                var frame = ErrorStatus(line) is { } status ? $"event: error\ndata: {status}\n\n" : $"id: {++sequence}\ndata: {line}\n\n";
                await response.WriteAsync(frame, aborted);
                await response.Body.FlushAsync(aborted);
            }
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The caller left; returning lets YARP dispose the service's response, which cancels the service's call.
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            // The service's side broke off mid-stream: say so in the stream, the only place left to say it.
            var status = EdgeErrors.Format(StatusCode.Unavailable, "The stream from the service broke off.");
            await response.WriteAsync($"event: error\ndata: {status}\n\n", aborted);
        }
    }

    /// <summary>The Status JSON of an error line (<c>{"error":{…}}</c>), or null for a message line.</summary>
    private string? ErrorStatus(string line)
    {
        if (!_errorLinesAreRecognisable || !line.StartsWith(ErrorLineStart, StringComparison.Ordinal)) return null;
        try
        {
            using var document = JsonDocument.Parse(line);
            var properties = document.RootElement.EnumerateObject().ToList();
            return properties is [{ Name: "error", Value.ValueKind: JsonValueKind.Object } error] ? error.Value.GetRawText() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The message each line holds: the response type, or the response_body field's type; null for a scalar.</summary>
    private static MessageDescriptor? StreamedMessage(EdgeRoute route)
    {
        var output = route.Method.OutputType;
        var rule = route.Method.GetOptions()?.GetExtension(AnnotationsExtensions.Http);
        if (rule?.ResponseBody is not { Length: > 0 } field) return output;
        return output.FindFieldByName(field) is { FieldType: FieldType.Message, IsRepeated: false } f ? f.MessageType : null;
    }
}
