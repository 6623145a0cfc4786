using Microsoft.AspNetCore.Builder;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// What a service's pipeline adds for its transcoded REST routes, after routing (so the endpoint is known) and before
/// the transcoder: the rpc's name on the request span (<see cref="RestRequestTelemetry"/>), then the input checks
/// (<see cref="RestInputValidation"/>). Other requests pass through both untouched.
/// </summary>
public static class RestPipeline
{
    public static WebApplication UseRestTranscoding(this WebApplication app)
    {
        app.UseMiddleware<RestRequestTelemetry>();
        app.UseMiddleware<RestInputValidation>();
        return app;
    }
}
