using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Server.Connect;

/// <summary>
/// Serves one method to Connect-protocol clients (buf curl's default). Created next to the method's gRPC
/// handler with the same service invoker, activator and interceptors; only the wire format differs.
/// Unary methods take application/proto, streaming methods application/connect+proto; anything else is 415.
/// </summary>
internal sealed class ConnectCallHandler<TService, TRequest, TResponse>
    where TService : class where TRequest : class where TResponse : class
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly ServerCallSettings _settings;
    private readonly ServiceActivator<TService> _activator;
    private readonly Func<ConnectServerCallContext, Task> _run;

    private ConnectCallHandler(Method<TRequest, TResponse> method, ServerCallSettings settings, ServiceActivator<TService> activator,
        Func<ConnectCallHandler<TService, TRequest, TResponse>, ConnectServerCallContext, Task> run)
    {
        _method = method;
        _settings = settings;
        _activator = activator;
        _run = call => run(this, call);
    }

    public static ConnectCallHandler<TService, TRequest, TResponse> Unary(Method<TRequest, TResponse> method, ServerCallSettings settings,
        ServiceActivator<TService> activator, Func<TService, TRequest, ServerCallContext, Task<TResponse>> invoker) =>
        new(method, settings, activator, async (self, call) =>
        {
            var request = await call.ReadUnaryRequestAsync(method.RequestMarshaller).ConfigureAwait(false);
            var response = settings.Interceptors.IsEmpty
                ? await self.WithServiceAsync(call, s => invoker(s, request, call)).ConfigureAwait(false)
                : await self.WithInterceptorsAsync(call, i => InterceptorPipeline.Wrap<TRequest, TResponse>(i,
                    (r, context) => self.WithServiceAsync(call, s => invoker(s, r, context)))(request, call)).ConfigureAwait(false);
            self.SetResponse(call, response);
        });

    public static ConnectCallHandler<TService, TRequest, TResponse> ClientStreaming(Method<TRequest, TResponse> method, ServerCallSettings settings,
        ServiceActivator<TService> activator, Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> invoker) =>
        new(method, settings, activator, async (self, call) =>
        {
            var requests = new ConnectRequestStreamReader<TRequest>(call, method.RequestMarshaller);
            var response = settings.Interceptors.IsEmpty
                ? await self.WithServiceAsync(call, s => invoker(s, requests, call)).ConfigureAwait(false)
                : await self.WithInterceptorsAsync(call, i => InterceptorPipeline.Wrap<TRequest, TResponse>(i,
                    (r, context) => self.WithServiceAsync(call, s => invoker(s, r, context)))(requests, call)).ConfigureAwait(false);
            if (call.Status.StatusCode == StatusCode.OK)
            {
                if (response is null) throw new InvalidOperationException("The service method returned a null response.");
                await call.WriteEnvelopeAsync(response, method.ResponseMarshaller).ConfigureAwait(false);
            }
        });

    public static ConnectCallHandler<TService, TRequest, TResponse> ServerStreaming(Method<TRequest, TResponse> method, ServerCallSettings settings,
        ServiceActivator<TService> activator, Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker) =>
        new(method, settings, activator, async (self, call) =>
        {
            var request = await new ConnectRequestStreamReader<TRequest>(call, method.RequestMarshaller).ReadSingleAsync().ConfigureAwait(false);
            var responses = new ConnectResponseStreamWriter<TResponse>(call, method.ResponseMarshaller);
            if (settings.Interceptors.IsEmpty)
                await self.WithServiceAsync(call, s => AsBool(invoker(s, request, responses, call))).ConfigureAwait(false);
            else
                await self.WithInterceptorsAsync(call, i => AsBool(InterceptorPipeline.Wrap<TRequest, TResponse>(i,
                    (r, w, context) => self.WithServiceAsync(call, s => AsBool(invoker(s, r, w, context))))(request, responses, call))).ConfigureAwait(false);
        });

    public static ConnectCallHandler<TService, TRequest, TResponse> DuplexStreaming(Method<TRequest, TResponse> method, ServerCallSettings settings,
        ServiceActivator<TService> activator, Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker) =>
        new(method, settings, activator, async (self, call) =>
        {
            var requests = new ConnectRequestStreamReader<TRequest>(call, method.RequestMarshaller);
            var responses = new ConnectResponseStreamWriter<TResponse>(call, method.ResponseMarshaller);
            if (settings.Interceptors.IsEmpty)
                await self.WithServiceAsync(call, s => AsBool(invoker(s, requests, responses, call))).ConfigureAwait(false);
            else
                await self.WithInterceptorsAsync(call, i => AsBool(InterceptorPipeline.Wrap<TRequest, TResponse>(i,
                    (r, w, context) => self.WithServiceAsync(call, s => AsBool(invoker(s, r, w, context))))(requests, responses, call))).ConfigureAwait(false);
        });

    /// <summary>The endpoint's RequestDelegate for Connect requests (the gRPC handler forwards them here).</summary>
    public async Task HandleCallAsync(HttpContext httpContext)
    {
        var streaming = ConnectProtocol.IsStreamingContentType(httpContext.Request.ContentType);
        if (streaming != (_method.Type != MethodType.Unary))
        {
            // The spec's answer to a content type that does not fit the method.
            httpContext.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            httpContext.Response.Headers.Accept = _method.Type == MethodType.Unary
                ? ConnectProtocol.UnaryContentType : ConnectProtocol.StreamingContentType;
            return;
        }

        var call = new ConnectServerCallContext(httpContext, _method.FullName, _settings, streaming);
        try
        {
            call.Initialize();
            await _run(call).ConfigureAwait(false);
            await call.EndCallAsync(null).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await call.EndCallAsync(ex).ConfigureAwait(false);
        }
        finally
        {
            call.Release();
        }
    }

    private void SetResponse(ConnectServerCallContext call, TResponse response)
    {
        // A handler that set a non-OK status has failed: its return value is not sent.
        if (call.Status.StatusCode != StatusCode.OK) return;
        if (response is null) throw new InvalidOperationException("The service method returned a null response.");
        call.SetUnaryResponse(response, _method.ResponseMarshaller);
    }

    private async Task<T> WithServiceAsync<T>(ConnectServerCallContext call, Func<TService, Task<T>> invoke)
    {
        var service = _activator.Create(call.HttpContext.RequestServices);
        try
        {
            return await invoke(service).ConfigureAwait(false);
        }
        finally
        {
            await _activator.ReleaseAsync(service).ConfigureAwait(false);
        }
    }

    private async Task<T> WithInterceptorsAsync<T>(ConnectServerCallContext call, Func<Interceptors.Interceptor[], Task<T>> invoke)
    {
        var pipeline = _settings.Interceptors;
        var interceptors = pipeline.Resolve(call.HttpContext.RequestServices);
        try
        {
            return await invoke(interceptors).ConfigureAwait(false);
        }
        finally
        {
            await pipeline.ReleaseAsync(interceptors).ConfigureAwait(false);
        }
    }

    // Lets the streaming shapes (plain Task) share the Task<T> helpers above.
    private static async Task<bool> AsBool(Task task)
    {
        await task.ConfigureAwait(false);
        return true;
    }
}
