using System.Diagnostics;

namespace Mesh.Gateway.Policy;

/// <summary>
/// X-Request-Id in and out: a caller's id is kept when it is sane (≤ 128 chars of [A-Za-z0-9-_.:]), otherwise the
/// trace id is used, so one id finds the request in the response, the logs (a scope), the trace (a tag) and the
/// backends (gRPC metadata x-request-id).
/// </summary>
public sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string Header = "X-Request-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[Header].ToString();
        var id = IsValid(incoming) ? incoming : Activity.Current?.TraceId.ToHexString() ?? Guid.NewGuid().ToString("N");
        context.Items[Header] = id;
        context.Response.Headers[Header] = id;
        Activity.Current?.SetTag("http.request_id", id);
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = id }))
            await next(context);
    }

    public static string? Get(HttpContext context) => context.Items[Header] as string;

    private static bool IsValid(string id) =>
        id.Length is > 0 and <= 128 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
