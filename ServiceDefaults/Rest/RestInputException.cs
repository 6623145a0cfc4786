using Google.Rpc;
using Microsoft.AspNetCore.Http;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// A REST request refused before the JSON transcoder reads it: always INVALID_ARGUMENT in the error body, with the
/// HTTP status (400, or 413 / 415 for the body as a whole) and, for bad input, the field violations
/// (google.rpc.BadRequest) naming what was wrong — the body the REST edge has always written for such requests.
/// </summary>
public sealed class RestInputException(int httpStatus, string message, IReadOnlyList<BadRequest.Types.FieldViolation>? violations = null)
    : Exception(message)
{
    public int HttpStatus { get; } = httpStatus;
    public IReadOnlyList<BadRequest.Types.FieldViolation> Violations { get; } = violations ?? [];

    /// <summary>400 naming one field ("book.authors[2]", "(body)" for the body as a whole, a query parameter as sent).</summary>
    public static RestInputException BadField(string field, string description) =>
        new(StatusCodes.Status400BadRequest, $"Invalid value for '{field}': {description}",
            [new BadRequest.Types.FieldViolation { Field = field, Description = description }]);
}
