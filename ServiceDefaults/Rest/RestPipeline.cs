using Microsoft.AspNetCore.Builder;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// What a service's pipeline adds for its transcoded REST routes, after routing (so the endpoint is known) and before
/// the transcoder: the rpc's name on the request span (<see cref="RestRequestTelemetry"/>), the input checks
/// (<see cref="RestInputValidation"/>), and the error line of a stream (<see cref="StreamErrorLine"/>). Other
/// requests pass through all three untouched.
/// </summary>
public static class RestPipeline
{
    public static WebApplication UseRestTranscoding(this WebApplication app)
    {
        app.UseMiddleware<RestRequestTelemetry>();
        app.UseMiddleware<RestInputValidation>();
        app.UseMiddleware<StreamErrorLine>();
        return app;
    }
}
