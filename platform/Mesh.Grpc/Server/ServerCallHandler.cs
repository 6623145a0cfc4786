using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Server;

/// <summary>
/// Serves one method: one instance per method, created when the service is mapped, shared by all
/// its calls. Subclasses implement the call shape (unary, streaming…); this class admits the request
/// and holds what they share.
/// </summary>
internal abstract class ServerCallHandler<TService, TRequest, TResponse>
    where TService : class where TRequest : class where TResponse : class
{
    protected ServerCallHandler(Method<TRequest, TResponse> method, ServerCallSettings settings, ServiceActivator<TService> activator)
    {
        Method = method;
        Settings = settings;
        Activator = activator;
    }

    protected Method<TRequest, TResponse> Method { get; }
    protected ServerCallSettings Settings { get; }
    protected ServiceActivator<TService> Activator { get; }

    /// <summary>Serves the same method to Connect-protocol clients (set by the binder; see Connect/).</summary>
    public RequestDelegate? ConnectHandler { get; init; }

    /// <summary>The endpoint's RequestDelegate.</summary>
    public Task HandleCallAsync(HttpContext httpContext)
    {
        if (ConnectHandler is not null && Connect.ConnectProtocol.IsConnectContentType(httpContext.Request.ContentType))
            return ConnectHandler(httpContext);
        if (!CallAdmission.TryAdmit(httpContext)) return Task.CompletedTask;
        return RunCallAsync(new HttpServerCallContext(httpContext, Method.FullName, Settings));
    }

    /// <summary>
    /// Runs the whole call. Implementations call <c>call.Initialize()</c> first, and end every path with
    /// <c>call.EndCallAsync</c> and <c>call.Release()</c>.
    /// </summary>
    protected abstract Task RunCallAsync(HttpServerCallContext call);

    /// <summary>
    /// Unary and server-streaming calls carry exactly one request message. Reading to the end of the
    /// request stream before calling the handler is what lets us tell 1 from 2+.
    /// </summary>
    protected async ValueTask<TRequest> ReadSingleRequestAsync(HttpServerCallContext call)
    {
        var reader = call.HttpContext.Request.BodyReader;
        var (hasMessage, request) = await Wire.MessageFraming.ReadMessageAsync(reader, Method.RequestMarshaller,
            call.RequestEncoding, call.MaxReceiveMessageSize, call.ReadToken).ConfigureAwait(false);
        if (!hasMessage)
            throw new RpcException(new Status(StatusCode.Internal, "The request stream ended without a request message."));

        var (hasAnother, _) = await Wire.MessageFraming.ReadMessageAsync(reader, Method.RequestMarshaller,
            call.RequestEncoding, call.MaxReceiveMessageSize, call.ReadToken).ConfigureAwait(false);
        if (hasAnother)
            throw new RpcException(new Status(StatusCode.Internal, "More than one request message for a unary or server-streaming call."));
        return request;
    }
}
