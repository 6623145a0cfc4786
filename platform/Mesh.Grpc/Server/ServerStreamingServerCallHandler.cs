namespace Mesh.Grpc.Server;

/// <summary>A server-streaming call: one request, any number of responses written by the handler.</summary>
internal sealed class ServerStreamingServerCallHandler<TService, TRequest, TResponse> : ServerCallHandler<TService, TRequest, TResponse>
    where TService : class where TRequest : class where TResponse : class
{
    private readonly Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> _invoker;

    public ServerStreamingServerCallHandler(Method<TRequest, TResponse> method, ServerCallSettings settings, ServiceActivator<TService> activator,
        Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker)
        : base(method, settings, activator) => _invoker = invoker;

    protected override async Task RunCallAsync(HttpServerCallContext call)
    {
        try
        {
            call.Initialize();
            var request = await ReadSingleRequestAsync(call).ConfigureAwait(false);
            var responses = new HttpResponseStreamWriter<TResponse>(call, Method.ResponseMarshaller);
            if (Settings.Interceptors.IsEmpty)
            {
                await InvokeServiceAsync(request, responses, call, call).ConfigureAwait(false);
            }
            else
            {
                var pipeline = Settings.Interceptors;
                var interceptors = pipeline.Resolve(call.HttpContext.RequestServices);
                try
                {
                    var chain = InterceptorPipeline.Wrap<TRequest, TResponse>(interceptors, (r, w, context) => InvokeServiceAsync(r, w, context, call));
                    await chain(request, responses, call).ConfigureAwait(false);
                }
                finally
                {
                    await pipeline.ReleaseAsync(interceptors).ConfigureAwait(false);
                }
            }
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

    private async Task InvokeServiceAsync(TRequest request, IServerStreamWriter<TResponse> responses, ServerCallContext context, HttpServerCallContext call)
    {
        var service = Activator.Create(call.HttpContext.RequestServices);
        try
        {
            await _invoker(service, request, responses, context).ConfigureAwait(false);
        }
        finally
        {
            await Activator.ReleaseAsync(service).ConfigureAwait(false);
        }
    }
}
