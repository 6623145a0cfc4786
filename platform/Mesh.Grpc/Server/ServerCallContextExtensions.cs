using Mesh.Grpc.Server;
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc;

/// <summary>Server-only extras on <see cref="ServerCallContext"/> (as grpc-dotnet's GetHttpContext).</summary>
public static class ServerCallContextExtensions
{
    /// <summary>The ASP.NET Core HttpContext of the call (user, connection, features, request services).</summary>
    public static HttpContext GetHttpContext(this ServerCallContext context) => Unwrap(context).HttpContext;

    /// <summary>
    /// Chooses the response compression for this call ("gzip", "deflate", or "identity"/null for none),
    /// overriding GrpcServiceOptions.ResponseCompressionAlgorithm. It applies only if the client accepts
    /// the algorithm, and must be set before the first message or the response headers are sent.
    /// </summary>
    public static void SetResponseCompression(this ServerCallContext context, string? algorithm) =>
        Unwrap(context).SetResponseCompression(algorithm);

    private static HttpServerCallContext Unwrap(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context as HttpServerCallContext
               ?? throw new InvalidOperationException(
                   $"This ServerCallContext ({context.GetType()}) was not created by the Mesh.Grpc server; pass the original context through interceptors.");
    }
}
