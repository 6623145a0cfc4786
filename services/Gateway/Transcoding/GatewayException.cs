using Google.Rpc;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// A request the edge rejects itself, before any backend sees it. Carries the HTTP status, the gRPC code the error
/// body reports, and — for bad input — the field violations (google.rpc.BadRequest) naming what was wrong.
/// </summary>
public sealed class GatewayException : Exception
{
    public GatewayException(int httpStatus, StatusCode code, string message, IReadOnlyList<BadRequest.Types.FieldViolation>? violations = null)
        : base(message)
    {
        HttpStatus = httpStatus;
        Code = code;
        Violations = violations ?? [];
    }

    public int HttpStatus { get; }
    public StatusCode Code { get; }
    public IReadOnlyList<BadRequest.Types.FieldViolation> Violations { get; }

    /// <summary>Extra response headers (Allow, Retry-After, WWW-Authenticate).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>400 INVALID_ARGUMENT naming one field.</summary>
    public static GatewayException BadField(string field, string description) =>
        new(StatusCodes.Status400BadRequest, StatusCode.InvalidArgument, $"Invalid value for '{field}': {description}",
            [new BadRequest.Types.FieldViolation { Field = field, Description = description }]);

    public static GatewayException BadRequest(string message) =>
        new(StatusCodes.Status400BadRequest, StatusCode.InvalidArgument, message);
}
