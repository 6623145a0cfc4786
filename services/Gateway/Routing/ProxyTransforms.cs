using Mesh.Gateway.Streaming;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Mesh.Gateway.Routing;

/// <summary>What YARP changes on the way through, per route.</summary>
public static class ProxyTransforms
{
    public static void Apply(TransformBuilderContext builder, EdgeRouteTable routes)
    {
        if (builder.Route.RouteId is not { } id) return;
        var route = routes[id];

        // The service sees exactly one X-Forwarded-For entry: the client address the edge settled on (the connection's,
        // or the one the ForwardedHeaders middleware took from a trusted proxy), never a list a caller could forge.
        builder.AddXForwardedFor(action: ForwardedTransformActions.Set);
        builder.AddRequestHeaderRemove("X-Original-For"); // the ForwardedHeaders middleware's note of the raw header

        // The transcoder answers CANCELLED with 408; the edge's contract has always said 499 (client closed request).
        builder.AddResponseTransform(static context =>
        {
            if (context.ProxyResponse is { StatusCode: System.Net.HttpStatusCode.RequestTimeout })
                context.HttpContext.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            return ValueTask.CompletedTask;
        });

        if (route.IsServerStreaming)
        {
            var stream = new ServerSentEvents(route);
            builder.AddResponseTransform(stream.TransformAsync);
        }
    }
}
