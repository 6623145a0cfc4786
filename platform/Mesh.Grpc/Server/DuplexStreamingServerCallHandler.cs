namespace Mesh.Grpc.Server;

/// <summary>A bidirectional-streaming call: requests and responses flow independently until the handler returns.</summary>
internal sealed class DuplexStreamingServerCallHandler<TService, TRequest, TResponse> : ServerCallHandler<TService, TRequest, TResponse>
    where TService : class where TRequest : class where TResponse : class
{
    private readonly Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> _invoker;

    public DuplexStreamingServerCallHandler(Method<TRequest, TResponse> method, ServerCallSettings settings, ServiceActivator<TService> activator,
        Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker)
        : base(method, settings, activator) => _invoker = invoker;

    protected override async Task RunCallAsync(HttpServerCallContext call)
    {
        try
        {
            call.Initialize();
            var requests = new HttpRequestStreamReader<TRequest>(call, Method.RequestMarshaller);
            var responses = new HttpResponseStreamWriter<TResponse>(call, Method.ResponseMarshaller);
            if (Settings.Interceptors.IsEmpty)
            {
                await InvokeServiceAsync(requests, responses, call, call).ConfigureAwait(false);
            }
            else
            {
                var pipeline = Settings.Interceptors;
                var interceptors = pipeline.Resolve(call.HttpContext.RequestServices);
                try
                {
                    var chain = InterceptorPipeline.Wrap<TRequest, TResponse>(interceptors, (r, w, context) => InvokeServiceAsync(r, w, context, call));
                    await chain(requests, responses, call).ConfigureAwait(false);
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

    private async Task InvokeServiceAsync(IAsyncStreamReader<TRequest> requests, IServerStreamWriter<TResponse> responses, ServerCallContext context, HttpServerCallContext call)
    {
        var service = Activator.Create(call.HttpContext.RequestServices);
        try
        {
            await _invoker(service, requests, responses, context).ConfigureAwait(false);
        }
        finally
        {
            await Activator.ReleaseAsync(service).ConfigureAwait(false);
        }
    }
}
