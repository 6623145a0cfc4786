using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Checks the input of every transcoded REST request (an endpoint carrying <see cref="GrpcJsonTranscodingMetadata"/>)
/// before the JSON transcoder reads it, and answers what is wrong itself: 400 naming the field
/// (<see cref="JsonBodyValidator"/>, <see cref="UrlParameterValidator"/>), 415 for a body that is not UTF-8 JSON, 413
/// for one over the server's size limit. The transcoder alone would say "Request JSON payload is not correctly
/// formatted." without a field, ignore unknown fields and query parameters, and turn some bad input into a 500.
/// A request without a body costs a look at its path values and query string; other endpoints (gRPC, health) pass
/// straight through.
/// </summary>
public sealed class RestInputValidation(RequestDelegate next)
{
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();
    private static readonly byte[] EmptyArray = "[]"u8.ToArray();
    private readonly ConcurrentDictionary<GrpcJsonTranscodingMetadata, RestRoute> _routes = new();

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is not { } metadata)
        {
            await next(context);
            return;
        }
        var route = _routes.GetOrAdd(metadata, RestRoute.From);
        try
        {
            // The order of the transcoder (and of the edge before it): body, path, query.
            if (route.Body is not null) await ValidateBodyAsync(context, route);
            UrlParameterValidator.ValidatePath(route, context.Request.RouteValues);
            if (UrlParameterValidator.ValidateQuery(route, context.Request.Query) is { } query) context.Request.Query = query;
        }
        catch (RestInputException error)
        {
            // A body over the limit was not read to its end: the connection cannot carry another request.
            if (error.HttpStatus == StatusCodes.Status413PayloadTooLarge) context.Response.Headers.Connection = "close";
            await RestErrorWriter.WriteAsync(context, error);
            return;
        }
        await next(context);
    }

    /// <summary>
    /// Reads the whole body, checks it, and puts it back for the transcoder. A blank body stands for an empty
    /// message (as REST clients send for a POST with nothing to say), and a body without a Content-Type is taken
    /// as JSON, as the edge always took it.
    /// </summary>
    private static async Task ValidateBodyAsync(HttpContext context, RestRoute route)
    {
        var request = context.Request;
        CheckMediaType(request.ContentType);
        var buffer = await ReadAsync(context);
        context.Response.RegisterForDispose(buffer);
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (IsBlank(body.Span)) buffer = new MemoryStream(EmptyBodyFor(route), writable: false);
        else if (Validate(body, route) is { } canonical) buffer = new MemoryStream(canonical, writable: false);

        buffer.Position = 0;
        request.Body = buffer;
        request.ContentLength = buffer.Length;
        request.ContentType = request.ContentType is { Length: > 0 } type ? type : "application/json";
    }

    /// <summary>Checks the body; returns it rewritten when it holds a valid form the transcoder cannot read, else null.</summary>
    private static byte[]? Validate(ReadOnlyMemory<byte> body, RestRoute route)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = JsonBodyValidator.MaxDepth });
        }
        catch (JsonException e)
        {
            var where = $"line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}";
            throw RestInputException.BadField("(body)", NestedTooDeep(body.Span)
                ? $"nested deeper than {JsonBodyValidator.MaxDepth} levels at {where}"
                : $"malformed JSON at {where}");
        }
        using (document)
        {
            var rewrite = JsonBodyValidator.Validate(document.RootElement, route.Request, route.BodyField);
            // Strings and names were checked one by one (naming their field); this catches any byte the JSON reader let through elsewhere.
            if (!Utf8.IsValid(body.Span)) throw RestInputException.BadField("(body)", "is not valid UTF-8");
            return rewrite ? CanonicalJsonBody.Write(document.RootElement, route.Request, route.BodyField) : null;
        }
    }

    /// <summary>Whether a body the JSON reader refused went deeper than the limit before it stopped (else it is malformed).</summary>
    private static bool NestedTooDeep(ReadOnlySpan<byte> json)
    {
        // Read again with room to spare, noting the deepest token reached before the end or the first error.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 * JsonBodyValidator.MaxDepth });
        var deepest = 0;
        try
        {
            while (reader.Read()) deepest = Math.Max(deepest, reader.CurrentDepth);
        }
        catch (JsonException)
        {
            // Malformed somewhere, or deeper still: either way the depth reached so far decides.
        }
        return deepest >= JsonBodyValidator.MaxDepth;
    }

    /// <summary>JSON in UTF-8 only: application/json or any +json type, with no charset or charset=utf-8.</summary>
    private static void CheckMediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return;
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !(media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)))
            throw new RestInputException(StatusCodes.Status415UnsupportedMediaType, $"Content-Type '{contentType}' is not supported; send application/json.");
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            throw new RestInputException(StatusCodes.Status415UnsupportedMediaType, $"The charset '{media.Charset}' is not supported; send UTF-8 JSON.");
    }

    /// <summary>The body, up to the server's request size limit (413 beyond it, before reading when Content-Length says so).</summary>
    private static async Task<MemoryStream> ReadAsync(HttpContext context)
    {
        var request = context.Request;
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (request.ContentLength > limit) throw TooLarge(limit.Value);
        var buffer = new MemoryStream(request.ContentLength is > 0 and <= 1 << 20 ? (int)request.ContentLength : 4096);
        try
        {
            await request.Body.CopyToAsync(buffer, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(limit ?? buffer.Length);
        }
        return buffer;
    }

    private static RestInputException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {limit} bytes.",
            [new Google.Rpc.BadRequest.Types.FieldViolation { Field = "(body)", Description = $"larger than {limit} bytes" }]);

    /// <summary>What an empty body means for the route: an empty message, list or map; a scalar body must be sent.</summary>
    private static byte[] EmptyBodyFor(RestRoute route) => route.BodyField switch
    {
        null => EmptyObject,
        { IsMap: true } => EmptyObject,
        { IsRepeated: true } => EmptyArray,
        { FieldType: Google.Protobuf.Reflection.FieldType.Message } => EmptyObject,
        var field => throw RestInputException.BadField(field.JsonName, "is required: send it as the JSON body"),
    };

    private static bool IsBlank(ReadOnlySpan<byte> body)
    {
        foreach (var b in body) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return false;
        return true;
    }
}
