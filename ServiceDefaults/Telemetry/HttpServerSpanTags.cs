using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Mesh.ServiceDefaults.Telemetry;

/// <summary>
/// ASP.NET Core's request span carries no attributes of its own without the OpenTelemetry instrumentation package
/// (not available here), so it reached dashboards as a bare "Microsoft.AspNetCore.Hosting.HttpRequestIn". This first
/// middleware adds the semantic-convention attributes — http.request.method, url.path, http.route,
/// http.response.status_code — names the span "GET /route" and marks 5xx as an error, as that package would.
/// A handler that knows a better route (the gateway's matched google.api.http template) sets http.route itself.
/// </summary>
internal sealed class HttpServerSpanTags : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            var activity = context.Features.Get<IHttpActivityFeature>()?.Activity;
            if (activity is not { IsAllDataRequested: true })
            {
                await nextMiddleware(context);
                return;
            }
            var method = context.Request.Method;
            activity.SetTag("http.request.method", method);
            activity.SetTag("url.path", context.Request.Path.Value);
            var failed = false;
            try
            {
                await nextMiddleware(context);
            }
            catch
            {
                failed = true;
                throw;
            }
            finally
            {
                var status = failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
                activity.SetTag("http.response.status_code", status);
                if (status >= 500) activity.SetStatus(ActivityStatusCode.Error);
                if (activity.GetTagItem("http.route") is null && context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } pattern })
                    activity.SetTag("http.route", pattern.StartsWith('/') ? pattern : "/" + pattern);
                activity.DisplayName = activity.GetTagItem("http.route") is string route ? $"{method} {route}" : method;
            }
        });
        next(app);
    };
}
