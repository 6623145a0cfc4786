using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace Mesh.Gateway.Errors;

/// <summary>
/// The error body of every answer the edge gives itself (401, 404, 405, 413, 415, 429, 503, 504, …), in the same shape
/// the services' JSON transcoding writes for theirs: google.rpc.Status as proto3 JSON, <c>{"code","message","details"}</c>,
/// with a google.rpc.BadRequest detail when one field is to blame. Callers cannot tell which hop answered.
/// </summary>
public static class EdgeErrors
{
    // Defaults included: the body always has "code", "message" and "details", even when 0 / "" / [].
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true)
        .WithTypeRegistry(TypeRegistry.FromFiles(ErrorDetailsReflection.Descriptor)));

    /// <summary>Writes the status and its JSON body; a field name adds a BadRequest detail naming it.</summary>
    public static Task WriteAsync(HttpContext context, int httpStatus, StatusCode code, string message, string? field = null, string? fieldDescription = null)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        if (field is not null)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = fieldDescription ?? message });
            status.Details.Add(Any.Pack(badRequest));
        }
        var response = context.Response;
        response.StatusCode = httpStatus;
        response.ContentType = "application/json; charset=utf-8";
        // Not RequestAborted: after a route's timeout it is cancelled, and the 504 must still be written. A short body
        // to a caller that left costs nothing: Kestrel drops writes to a closed connection.
        return response.WriteAsync(Formatter.Format(status), CancellationToken.None);
    }

    /// <summary>The JSON of a status that is not written as a whole response (an error event inside a stream).</summary>
    public static string Format(StatusCode code, string message) => Formatter.Format(new Google.Rpc.Status { Code = (int)code, Message = message });
}
