using Mesh.Grpc.Interop.Wire;
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Interop.Server;

/// <summary>
/// Middleware: puts a <see cref="ReceivedMessageFlags"/> on every gRPC request and lets it watch the request
/// body go by. The gRPC server still reads every byte itself (Kestrel makes a new body reader over the
/// replaced stream); we only look at the 5-byte prefixes. Use: <c>app.Use(RequestFrameProbe.InvokeAsync)</c>.
/// </summary>
public static class RequestFrameProbe
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            var flags = new ReceivedMessageFlags();
            context.Features.Set(flags);
            context.Request.Body = new ObservedReadStream(context.Request.Body, new FrameFlagReader(flags.Add));
        }
        return next(context);
    }
}
