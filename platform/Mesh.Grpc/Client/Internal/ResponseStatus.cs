using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Mesh.Grpc.Wire;

namespace Mesh.Grpc.Client.Internal;

/// <summary>How a response (or its absence) becomes a gRPC status.</summary>
internal static class ResponseStatus
{
    /// <summary>The status in grpc-status/grpc-message, or null when there is no grpc-status.</summary>
    public static Status? FromHeaders(HttpHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues(GrpcProtocol.StatusTrailer, out var statusValues)) return null;
        var text = statusValues.ToString().Trim();
        var message = headers.NonValidated.TryGetValues(GrpcProtocol.MessageTrailer, out var messageValues)
            ? PercentEncoding.Decode(messageValues.ToString())
            : "";
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            return new Status(StatusCode.Unknown, $"Unexpected grpc-status value '{text}'. {message}".TrimEnd());
        // Codes outside the known range are kept: the number itself is what the server said.
        return new Status((StatusCode)code, message);
    }

    /// <summary>http-grpc-status-mapping.md: for responses that carry no grpc-status at all.</summary>
    public static Status FromHttpStatus(HttpStatusCode httpStatus)
    {
        var code = (int)httpStatus switch
        {
            400 => StatusCode.Internal,
            401 => StatusCode.Unauthenticated,
            403 => StatusCode.PermissionDenied,
            404 => StatusCode.Unimplemented,
            429 or 502 or 503 or 504 => StatusCode.Unavailable,
            431 => StatusCode.Internal,
            _ => StatusCode.Unknown,
        };
        return new Status(code, $"Bad gRPC response. HTTP status code: {(int)httpStatus}.");
    }

    /// <summary>PROTOCOL-HTTP2.md "Errors": the RST_STREAM codes a client maps to a status.</summary>
    public static Status FromResetCode(long errorCode, Exception cause)
    {
        var code = errorCode switch
        {
            0x7 => StatusCode.Unavailable,       // REFUSED_STREAM: nothing was processed; safe to retry
            0x8 => StatusCode.Cancelled,         // CANCEL
            0xB => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
            0xC => StatusCode.PermissionDenied,  // INADEQUATE_SECURITY
            _ => StatusCode.Internal,            // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, …
        };
        return new Status(code, $"The server reset the HTTP/2 stream (error code 0x{errorCode:X}).", cause);
    }
}
