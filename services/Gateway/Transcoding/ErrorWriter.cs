using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// Writes every error the edge answers as google.rpc.Status in proto3 JSON: {"code": gRPC code, "message": …,
/// "details": [{"@type": …, …}]}, with the HTTP status from <see cref="StatusMapping"/> (or the edge's own, e.g. 405).
/// </summary>
public sealed class ErrorWriter(TypeRegistry registry)
{
    // Defaults included: the body always has "code", "message" and "details", even when 0 / "" / [].
    private readonly JsonFormatter formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithTypeRegistry(registry));

    public Task WriteAsync(HttpContext context, GatewayException error)
    {
        var status = new Google.Rpc.Status { Code = (int)error.Code, Message = error.Message };
        if (error.Violations.Count > 0)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.Add(error.Violations);
            status.Details.Add(Any.Pack(badRequest));
        }
        foreach (var (name, value) in error.Headers) context.Response.Headers[name] = value;
        return WriteAsync(context, error.HttpStatus, status);
    }

    public Task WriteAsync(HttpContext context, RpcException error)
    {
        // The backend's rich status (grpc-status-details-bin) when it sent one, else code + message.
        var status = error.GetRpcStatus() ?? new Google.Rpc.Status();
        status.Code = (int)error.StatusCode;
        status.Message = error.Status.Detail;
        return WriteAsync(context, StatusMapping.ToHttp(error.StatusCode), status);
    }

    public Task WriteAsync(HttpContext context, int httpStatus, Google.Rpc.Status status)
    {
        var response = context.Response;
        response.StatusCode = httpStatus;
        response.ContentType = "application/json; charset=utf-8";
        return response.WriteAsync(Format(status), Encoding.UTF8, context.RequestAborted);
    }

    /// <summary>The status as JSON. Details whose type the edge does not know are kept as "@type" + base64 "value".</summary>
    public string Format(Google.Rpc.Status status)
    {
        try
        {
            return formatter.Format(status);
        }
        catch (InvalidOperationException)
        {
            var builder = new StringBuilder();
            builder.Append("{\"code\":").Append(status.Code).Append(",\"message\":")
                .Append(System.Text.Json.JsonSerializer.Serialize(status.Message)).Append(",\"details\":[");
            for (var i = 0; i < status.Details.Count; i++)
            {
                if (i > 0) builder.Append(',');
                var any = status.Details[i];
                string json;
                try { json = formatter.Format(any); }
                catch (InvalidOperationException)
                {
                    json = $"{{\"@type\":{System.Text.Json.JsonSerializer.Serialize(any.TypeUrl)},\"value\":\"{any.Value.ToBase64()}\"}}";
                }
                builder.Append(json);
            }
            return builder.Append("]}").ToString();
        }
    }
}
