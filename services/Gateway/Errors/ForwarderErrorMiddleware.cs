using Mesh.Gateway.Routing;
using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Gateway.Errors;

/// <summary>
/// The error body for a forwarded request that failed at the edge rather than in the service (YARP only sets a bare
/// status): the route's timeout → 504 DEADLINE_EXCEEDED; a body over the limit found while forwarding → 413; the
/// service unreachable, down or broken off mid-answer → 503 UNAVAILABLE. A caller that left gets nothing.
/// Runs in YARP's proxy pipeline, around the forwarding step.
/// </summary>
public sealed class ForwarderErrorMiddleware(RequestDelegate next, GatewayOptions options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.Response.HasStarted || context.Features.Get<IForwarderErrorFeature>() is not { } failure) return;

        var service = context.GetEndpoint()?.Metadata.GetMetadata<EdgeRoute>()?.Backend ?? "the";
        if (context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true
            || failure.Error == ForwarderError.RequestTimedOut)
        {
            await WriteTimeoutAsync(context, options);
            return;
        }
        if (context.RequestAborted.IsCancellationRequested) return; // the caller left: nobody to answer
        switch (failure.Error)
        {
            case ForwarderError.RequestBodyClient when context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge:
                await EdgeErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, StatusCode.InvalidArgument,
                    $"The request body is larger than {options.MaxRequestBodyBytes} bytes.", "(body)", $"larger than {options.MaxRequestBodyBytes} bytes");
                break;
            case ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled or ForwarderError.RequestCanceled:
                await EdgeErrors.WriteAsync(context, StatusCodes.Status400BadRequest, StatusCode.InvalidArgument,
                    "The request body could not be read.", "(body)", "incomplete or malformed");
                break;
            default:
                await EdgeErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, StatusCode.Unavailable,
                    $"The {service} service is unavailable; retry later.");
                break;
        }
    }

    /// <summary>The answer of a unary route whose service did not answer in time (written here or by the timeout middleware).</summary>
    public static Task WriteTimeoutAsync(HttpContext context, GatewayOptions options)
    {
        var service = context.GetEndpoint()?.Metadata.GetMetadata<EdgeRoute>()?.Backend ?? "the";
        return EdgeErrors.WriteAsync(context, StatusCodes.Status504GatewayTimeout, StatusCode.DeadlineExceeded,
            $"The {service} service did not answer within {options.RequestTimeout.TotalSeconds:0.###} s.");
    }
}
