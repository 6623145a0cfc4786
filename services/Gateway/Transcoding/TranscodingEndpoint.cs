using System.Buffers;
using Google.Protobuf;
using Mesh.Gateway.Policy;
using Mesh.ServiceDefaults.Clients;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// The one endpoint behind every REST route: match → authenticate → rate-limit → read and bind the request →
/// call the backend over gRPC → write JSON (or a stream). Bad input stops at the step that finds it, with a
/// 4xx naming the field; only the edge's own bugs can give a 500.
/// </summary>
public sealed class TranscodingEndpoint(
    RouteTable routes,
    RequestBinder binder,
    ResponseWriter writer,
    ErrorWriter errors,
    EdgeAuthentication authentication,
    EdgeRateLimit rateLimit,
    IBackendInvokers backends,
    GatewayOptions options,
    ServiceClientOptions clientOptions,
    ILogger<TranscodingEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await HandleCoreAsync(context);
        }
        catch (GatewayException e)
        {
            if (!context.Response.HasStarted) await errors.WriteAsync(context, e);
        }
        catch (RpcException e) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; the backend call was cancelled with it. Nothing to answer.
            logger.LogDebug("Request aborted by the client ({Status}).", e.StatusCode);
        }
        catch (RpcException e)
        {
            if (!context.Response.HasStarted) await errors.WriteAsync(context, e);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            logger.LogDebug("Request aborted by the client.");
        }
        catch (Exception e)
        {
            // A bug of the edge: logged with the request id, answered without internals.
            logger.LogError(e, "Transcoding {Method} {Path} failed.", context.Request.Method, context.Request.Path);
            if (!context.Response.HasStarted)
                await errors.WriteAsync(context, StatusCodes.Status500InternalServerError,
                    new Google.Rpc.Status { Code = (int)StatusCode.Internal, Message = "Internal error at the gateway; see its log." + (options.IncludeExceptionDetails ? " " + e : "") });
        }
    }

    private async Task HandleCoreAsync(HttpContext context)
    {
        var request = context.Request;
        var match = routes.Match(request.Method, RawPath(context));
        if (match.Route is not { } route)
        {
            if (match.AllowedMethods is { } allowed)
            {
                var error = new GatewayException(StatusCodes.Status405MethodNotAllowed, StatusCode.Unimplemented,
                    $"{request.Method} is not allowed on {request.Path}; allowed: {string.Join(", ", allowed)}.");
                error.Headers["Allow"] = string.Join(", ", allowed);
                throw error;
            }
            throw new GatewayException(StatusCodes.Status404NotFound, StatusCode.NotFound, $"No route for {request.Method} {request.Path}.");
        }

        var method = route.Method;
        // The request's route is the matched rule's template (the endpoint's own is the catch-all): spans group by it.
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpActivityFeature>()?.Activity.SetTag("http.route", route.Template.Text);
        var user = await authentication.AuthenticateAsync(context, method);
        await rateLimit.CheckAsync(context, method, user);

        var body = route.Body is null ? ReadOnlyMemory<byte>.Empty : await ReadBodyAsync(context);
        var message = binder.Bind(route, match.Values!, body, request.Query);
        // The caller leaving cancels the backend call (a stream included); a unary call also gets the deadline of
        // Mesh:Resilience, a stream none (a watch lasts as long as its client stays).
        var metadata = CallMetadata.Build(context);
        var invoker = backends.Get(method.Backend);

        if (method.Grpc.Type == MethodType.ServerStreaming)
        {
            using var stream = invoker.AsyncServerStreamingCall(method.Grpc, null, new CallOptions(metadata, cancellationToken: context.RequestAborted), message);
            await writer.WriteStreamAsync(context, route, stream.ResponseStream, errors);
            return;
        }
        var callOptions = new CallOptions(metadata, DateTime.UtcNow + clientOptions.Deadline, context.RequestAborted);
        using var call = invoker.AsyncUnaryCall(method.Grpc, null, callOptions, message);
        var response = await call.ResponseAsync;
        await writer.WriteUnaryAsync(context, route, response);
    }

    /// <summary>The request path still percent-encoded (http.proto decodes variables itself, "%2F" included).</summary>
    private static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/') return context.Request.PathBase + context.Request.Path;
        var query = raw.IndexOf('?');
        return query < 0 ? raw : raw[..query];
    }

    /// <summary>Reads the JSON body up to the configured limit: 413 beyond it, 415 for a body that is not JSON.</summary>
    private async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext context)
    {
        var request = context.Request;
        var limit = options.MaxRequestBodyBytes;
        if (request.ContentLength > limit) throw TooLarge(limit);
        if (request.ContentLength is not 0 && request.ContentType is { Length: > 0 } type && !IsJson(type))
            throw new GatewayException(StatusCodes.Status415UnsupportedMediaType, StatusCode.InvalidArgument,
                $"Content-Type '{type}' is not supported; send application/json.");

        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await request.Body.ReadAsync(memory, context.RequestAborted);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) throw TooLarge(limit);
        }
        return buffer.WrittenMemory;
    }

    private static bool IsJson(string contentType)
    {
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static GatewayException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, StatusCode.InvalidArgument, $"The request body is larger than {limit} bytes.",
            [new Google.Rpc.BadRequest.Types.FieldViolation { Field = "(body)", Description = $"larger than {limit} bytes" }]);
}

/// <summary>The call invoker of each backend (one channel per logical service name). A seam for tests and for discovery.</summary>
public interface IBackendInvokers
{
    CallInvoker Get(string backend);
}
