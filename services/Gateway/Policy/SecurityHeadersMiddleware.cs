namespace Mesh.Gateway.Policy;

/// <summary>
/// Headers every response carries: no MIME sniffing, no framing, no referrer, and a CSP that forbids everything
/// (an API answers JSON, never a page) — except under /docs, whose Swagger UI needs its own scripts and styles.
/// Set as the response starts, after YARP copied the service's headers, so the edge's values are the ones sent.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state => { Apply((HttpContext)state); return Task.CompletedTask; }, context);
        return next(context);
    }

    private static void Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/docs")
            ? "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
            : "default-src 'none'; frame-ancestors 'none'";
        if (context.Request.IsHttps) headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
    }
}
