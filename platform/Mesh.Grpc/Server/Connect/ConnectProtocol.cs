using System.Globalization;

namespace Mesh.Grpc.Server.Connect;

/// <summary>
/// Names and mappings of the Connect protocol (connectrpc.com/docs/protocol), the default protocol of
/// buf curl. Only the binary Protobuf codec is spoken: "application/json" keeps meaning "not gRPC" (415).
/// </summary>
internal static class ConnectProtocol
{
    public const string UnaryContentType = "application/proto";
    public const string StreamingContentType = "application/connect+proto";
    public const string ErrorContentType = "application/json";
    public const string TimeoutHeader = "Connect-Timeout-Ms";
    public const string UnaryEncodingHeader = "Content-Encoding";
    public const string StreamingEncodingHeader = "Connect-Content-Encoding";
    public const string UnaryTrailerPrefix = "trailer-";

    /// <summary>Envelope flag of the last message of a streaming response: it carries the end-of-stream JSON.</summary>
    public const byte EndStreamFlag = 0x02;

    public static bool IsUnaryContentType(string? contentType) => MediaTypeIs(contentType, UnaryContentType);
    public static bool IsStreamingContentType(string? contentType) => MediaTypeIs(contentType, StreamingContentType);
    public static bool IsConnectContentType(string? contentType) => IsUnaryContentType(contentType) || IsStreamingContentType(contentType);

    private static bool MediaTypeIs(string? contentType, string expected)
    {
        if (contentType is null || !contentType.StartsWith(expected, StringComparison.OrdinalIgnoreCase)) return false;
        return contentType.Length == expected.Length || contentType[expected.Length] == ';';
    }

    /// <summary>Connect-Timeout-Ms: a positive integer of at most 10 digits.</summary>
    public static bool TryParseTimeout(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length > 10) return false;
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)) return false;
        timeout = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    /// <summary>The Connect code string: the gRPC name in snake_case ("canceled" with one l).</summary>
    public static string CodeName(StatusCode code) => code switch
    {
        StatusCode.Cancelled => "canceled",
        StatusCode.Unknown => "unknown",
        StatusCode.InvalidArgument => "invalid_argument",
        StatusCode.DeadlineExceeded => "deadline_exceeded",
        StatusCode.NotFound => "not_found",
        StatusCode.AlreadyExists => "already_exists",
        StatusCode.PermissionDenied => "permission_denied",
        StatusCode.ResourceExhausted => "resource_exhausted",
        StatusCode.FailedPrecondition => "failed_precondition",
        StatusCode.Aborted => "aborted",
        StatusCode.OutOfRange => "out_of_range",
        StatusCode.Unimplemented => "unimplemented",
        StatusCode.Internal => "internal",
        StatusCode.Unavailable => "unavailable",
        StatusCode.DataLoss => "data_loss",
        StatusCode.Unauthenticated => "unauthenticated",
        _ => "unknown",
    };

    /// <summary>The HTTP status of a failed unary call (the spec's error-code table).</summary>
    public static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.Cancelled => 499,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => 400,
        StatusCode.DeadlineExceeded => 504,
        StatusCode.NotFound => 404,
        StatusCode.AlreadyExists or StatusCode.Aborted => 409,
        StatusCode.PermissionDenied => 403,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Unimplemented => 501,
        StatusCode.Unavailable => 503,
        StatusCode.Unauthenticated => 401,
        _ => 500,
    };
}
