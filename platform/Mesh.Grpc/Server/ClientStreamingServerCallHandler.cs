namespace Mesh.Grpc.Server;

/// <summary>A client-streaming call: the handler reads any number of requests, then returns one response.</summary>
internal sealed class ClientStreamingServerCallHandler<TService, TRequest, TResponse> : ServerCallHandler<TService, TRequest, TResponse>
    where TService : class where TRequest : class where TResponse : class
{
    private readonly Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> _invoker;

    public ClientStreamingServerCallHandler(Method<TRequest, TResponse> method, ServerCallSettings settings, ServiceActivator<TService> activator,
        Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> invoker)
        : base(method, settings, activator) => _invoker = invoker;

    protected override async Task RunCallAsync(HttpServerCallContext call)
    {
        try
        {
            call.Initialize();
            var requests = new HttpRequestStreamReader<TRequest>(call, Method.RequestMarshaller);
            TResponse response;
            if (Settings.Interceptors.IsEmpty)
            {
                response = await InvokeServiceAsync(requests, call, call).ConfigureAwait(false);
            }
            else
            {
                var pipeline = Settings.Interceptors;
                var interceptors = pipeline.Resolve(call.HttpContext.RequestServices);
                try
                {
                    var chain = InterceptorPipeline.Wrap<TRequest, TResponse>(interceptors, (r, context) => InvokeServiceAsync(r, context, call));
                    response = await chain(requests, call).ConfigureAwait(false);
                }
                finally
                {
                    await pipeline.ReleaseAsync(interceptors).ConfigureAwait(false);
                }
            }

            if (call.Status.StatusCode == StatusCode.OK)
            {
                if (response is null) throw new InvalidOperationException("The service method returned a null response.");
                await call.WriteMessageAsync(response, Method.ResponseMarshaller, null, flush: false).ConfigureAwait(false);
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

    private async Task<TResponse> InvokeServiceAsync(IAsyncStreamReader<TRequest> requests, ServerCallContext context, HttpServerCallContext call)
    {
        var service = Activator.Create(call.HttpContext.RequestServices);
        try
        {
            return await _invoker(service, requests, context).ConfigureAwait(false);
        }
        finally
        {
            await Activator.ReleaseAsync(service).ConfigureAwait(false);
        }
    }
}
