using Mesh.Gateway.Errors;
using Mesh.Gateway.Routing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Mesh.Gateway.Policy;

/// <summary>
/// What the edge checks of a routed request before forwarding it, each refusal with the field it is about:
/// <list type="bullet">
/// <item>Idempotency-Key, when sent, is 1-255 visible ASCII characters (400); the service reads it as gRPC metadata.</item>
/// <item>The body is at most <see cref="GatewayOptions.MaxRequestBodyBytes"/>: 413 at once when Content-Length says
/// more, and Kestrel's per-request limit for a body of unknown length (<see cref="ForwarderErrorMiddleware"/> answers
/// the 413 when the limit is hit while forwarding).</item>
/// <item>A JSON route's body is JSON (415 otherwise). A body sent without a Content-Type is taken as JSON, as the
/// edge always did.</item>
/// </list>
/// </summary>
public sealed class RequestChecksMiddleware(RequestDelegate next, GatewayOptions options)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    private const string BodyField = "(body)";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<EdgeRoute>() is not { } route) return next(context);
        var request = context.Request;

        if (request.Headers[IdempotencyKeyHeader] is { Count: > 0 } key && !IsIdempotencyKey(key))
            return EdgeErrors.WriteAsync(context, StatusCodes.Status400BadRequest, StatusCode.InvalidArgument,
                $"Invalid value for '{IdempotencyKeyHeader}': must be 1-255 visible ASCII characters", IdempotencyKeyHeader,
                "must be 1-255 visible ASCII characters");

        var limit = options.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
            return EdgeErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, StatusCode.InvalidArgument,
                $"The request body is larger than {limit} bytes.", BodyField, $"larger than {limit} bytes");
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;

        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0;
        if (route.Body == RequestBodyKind.Json && hasBody)
        {
            if (string.IsNullOrEmpty(request.ContentType)) request.ContentType = "application/json";
            else if (!IsJson(request.ContentType))
                return EdgeErrors.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, StatusCode.InvalidArgument,
                    $"Content-Type '{request.ContentType}' is not supported; send application/json.");
        }
        return next(context);
    }

    private static bool IsIdempotencyKey(string? key) =>
        key is { Length: > 0 and <= 255 } && key.All(c => c is >= (char)0x21 and <= (char)0x7E);

    private static bool IsJson(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
}
