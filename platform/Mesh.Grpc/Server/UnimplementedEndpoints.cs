using Mesh.Grpc.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace Mesh.Grpc.Server;

/// <summary>
/// Answers gRPC-looking requests (POST /x/y with a gRPC content type) that match no mapped method with
/// UNIMPLEMENTED, telling an unknown service apart from an unknown method of a known service.
/// Literal method routes always win over these parameter routes, so they only catch leftovers.
/// </summary>
internal static class UnimplementedEndpoints
{
    public static void MapUnknownMethod(IEndpointRouteBuilder endpoints, string serviceName) =>
        endpoints.MapPost("/" + serviceName + "/{unimplementedMethod}", RespondMethodUnimplemented)
            .WithDisplayName($"gRPC - Unimplemented method for {serviceName}")
            .WithMetadata(GrpcContentTypes.Instance);

    public static void MapUnknownService(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("{unimplementedService}/{unimplementedMethod}", RespondServiceUnimplemented)
            .WithDisplayName("gRPC - Unimplemented service")
            .WithMetadata(GrpcContentTypes.Instance);

    private static Task RespondMethodUnimplemented(HttpContext context)
    {
        CallAdmission.WriteTrailersOnly(context.Response, StatusCode.Unimplemented, "Method is unimplemented.");
        return Task.CompletedTask;
    }

    private static Task RespondServiceUnimplemented(HttpContext context)
    {
        CallAdmission.WriteTrailersOnly(context.Response, StatusCode.Unimplemented, "Service is unimplemented.");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Lets routing offer these endpoints only to requests with a gRPC content type, so other POSTs
    /// to two-segment paths still get the app's own 404/415 instead of a gRPC answer.
    /// </summary>
    private sealed class GrpcContentTypes : IAcceptsMetadata
    {
        public static readonly GrpcContentTypes Instance = new();
        public IReadOnlyList<string> ContentTypes { get; } = [GrpcProtocol.ContentType, GrpcProtocol.ContentTypeProto];
        public Type? RequestType => null;
        public bool IsOptional => false;
    }
}
