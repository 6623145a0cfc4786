using Mesh.Gateway.Routing;

namespace Mesh.Gateway.Errors;

/// <summary>
/// 404 and 405 with the error body, for requests no route serves. Routing has already run: no endpoint means no
/// route has the path (404 NOT_FOUND); ASP.NET Core's 405 endpoint means routes have the path but not the verb, and
/// it has set Allow (405 UNIMPLEMENTED, as the edge always answered a wrong verb). A 404 or 405 that a service
/// answered through a route is the service's and passes untouched.
/// </summary>
public sealed class UnmatchedRequestMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            await EdgeErrors.WriteAsync(context, StatusCodes.Status404NotFound, StatusCode.NotFound,
                $"No route for {context.Request.Method} {context.Request.Path}.");
            return;
        }
        await next(context);
        if (context.Response is { StatusCode: StatusCodes.Status405MethodNotAllowed, HasStarted: false }
            && endpoint.Metadata.GetMetadata<EdgeRoute>() is null)
        {
            var allowed = context.Response.Headers.Allow.ToString();
            await EdgeErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, StatusCode.Unimplemented,
                $"{context.Request.Method} is not allowed on {context.Request.Path}; allowed: {allowed}.");
        }
    }
}
