using System.Diagnostics;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Names the rpc a transcoded REST request calls on its request span, with the tag Grpc.AspNetCore puts on a gRPC
/// call's span (<c>grpc.method</c> = "/mesh.booking.v1.Booking/Checkout"): a trace shows which method served
/// "POST /v1/bookings" whether it arrived as gRPC or as REST.
/// </summary>
public sealed class RestRequestTelemetry(RequestDelegate next)
{
    public const string MethodTag = "grpc.method";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is { } metadata
            && (context.Features.Get<IHttpActivityFeature>()?.Activity ?? Activity.Current) is { } activity)
            activity.SetTag(MethodTag, $"/{metadata.MethodDescriptor.Service.FullName}/{metadata.MethodDescriptor.Name}");
        return next(context);
    }
}
