using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Microsoft.AspNetCore.Http;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// Writes a <see cref="RestInputException"/> as the REST error body every route answers with: google.rpc.Status
/// in proto3 JSON, {"code": 3, "message": …, "details": [google.rpc.BadRequest]}, defaults included so "details"
/// is there even when empty — the same shape the transcoder writes for an RpcException.
/// </summary>
public static class RestErrorWriter
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default
        .WithFormatDefaultValues(true)
        .WithTypeRegistry(TypeRegistry.FromMessages(BadRequest.Descriptor)));

    public static Task WriteAsync(HttpContext context, RestInputException error)
    {
        var status = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = error.Message };
        if (error.Violations.Count > 0)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.Add(error.Violations);
            status.Details.Add(Any.Pack(badRequest));
        }
        var response = context.Response;
        response.StatusCode = error.HttpStatus;
        response.ContentType = "application/json; charset=utf-8";
        return response.WriteAsync(Formatter.Format(status), Encoding.UTF8, context.RequestAborted);
    }
}
