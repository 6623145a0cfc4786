using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.Hosting.Dashboard;

/// <summary>
/// The dashboard and its OTLP receiver listen on loopback only, but a web page the developer visits can still reach
/// loopback through the browser. Two checks keep such pages out: the Host header must name this machine (a
/// DNS-rebinding page's host does not), and a state-changing request (the Start/Stop/Restart actions) that comes from
/// a browser must come from the dashboard's own origin. Non-browser clients (curl, the services' exporters) send no
/// Origin or Sec-Fetch-Site and pass.
/// </summary>
internal static class LocalRequestGuard
{
    public static void UseLocalRequestGuard(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (!IsLocalHost(context.Request.Host.Host))
        {
            context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && IsCrossSite(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        await next(context);
    });

    private static bool IsLocalHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host is "127.0.0.1" or "[::1]" or "::1";

    private static bool IsCrossSite(HttpRequest request)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none")) return true;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return false;
        return !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !IsLocalHost(uri.Host) || uri.Port != (request.Host.Port ?? 80);
    }
}
