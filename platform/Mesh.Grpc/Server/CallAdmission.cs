using Mesh.Grpc.Wire;
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Server;

/// <summary>
/// The checks a request must pass before it is treated as a gRPC call. A failure is answered here,
/// as a plain HTTP error carrying grpc-status too (so both HTTP and gRPC clients understand it).
/// </summary>
internal static class CallAdmission
{
    public static bool TryAdmit(HttpContext httpContext)
    {
        var request = httpContext.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            // gRPC needs HTTP/2 (trailers, multiplexing). 426 tells an HTTP/1.1 client to upgrade.
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Upgrade = request.IsHttps ? "h2" : "h2c";
            response.Headers.Connection = "Upgrade";
            WriteStatusHeaders(response, StatusCode.Internal, $"Request protocol '{request.Protocol}' is not supported.");
            return false;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            // PROTOCOL-HTTP2.md: 415, so generic HTTP clients do not take a gRPC error (200) for success.
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            WriteStatusHeaders(response, StatusCode.Internal,
                $"Content-Type '{request.ContentType ?? ""}' is not supported; expected '{GrpcProtocol.ContentType}'.");
            return false;
        }
        return true;
    }

    /// <summary>A trailers-only gRPC response with this status (used for immediate errors outside a call).</summary>
    public static void WriteTrailersOnly(HttpResponse response, StatusCode code, string detail)
    {
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers.GrpcAcceptEncoding = MessageCompression.AcceptEncodingValue;
        WriteStatusHeaders(response, code, detail);
    }

    private static void WriteStatusHeaders(HttpResponse response, StatusCode code, string detail)
    {
        response.Headers.GrpcStatus = MetadataHeaders.StatusCodeValue(code);
        response.Headers.GrpcMessage = PercentEncoding.Encode(detail);
    }
}
