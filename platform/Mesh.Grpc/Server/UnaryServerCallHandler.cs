namespace Mesh.Grpc.Server;

/// <summary>
/// A unary call: one request, one response. The hot path: one async method, no closures unless
/// interceptors are configured, the response serialized straight into Kestrel's pipe and flushed by
/// Kestrel together with the trailers when the call returns.
/// </summary>
internal sealed class UnaryServerCallHandler<TService, TRequest, TResponse> : ServerCallHandler<TService, TRequest, TResponse>
    where TService : class where TRequest : class where TResponse : class
{
    private readonly Func<TService, TRequest, ServerCallContext, Task<TResponse>> _invoker;

    public UnaryServerCallHandler(Method<TRequest, TResponse> method, ServerCallSettings settings, ServiceActivator<TService> activator,
        Func<TService, TRequest, ServerCallContext, Task<TResponse>> invoker)
        : base(method, settings, activator) => _invoker = invoker;

    protected override async Task RunCallAsync(HttpServerCallContext call)
    {
        try
        {
            call.Initialize();
            var request = await ReadSingleRequestAsync(call).ConfigureAwait(false);

            TResponse response;
            if (Settings.Interceptors.IsEmpty)
            {
                var service = Activator.Create(call.HttpContext.RequestServices);
                try
                {
                    response = await _invoker(service, request, call).ConfigureAwait(false);
                }
                finally
                {
                    await Activator.ReleaseAsync(service).ConfigureAwait(false);
                }
            }
            else
            {
                response = await InvokeWithInterceptorsAsync(request, call).ConfigureAwait(false);
            }

            // A handler that set a non-OK status has failed: its return value is not sent.
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

    private async Task<TResponse> InvokeWithInterceptorsAsync(TRequest request, HttpServerCallContext call)
    {
        var pipeline = Settings.Interceptors;
        var interceptors = pipeline.Resolve(call.HttpContext.RequestServices);
        try
        {
            var chain = InterceptorPipeline.Wrap<TRequest, TResponse>(interceptors, (r, context) => InvokeServiceAsync(r, context, call));
            return await chain(request, call).ConfigureAwait(false);
        }
        finally
        {
            await pipeline.ReleaseAsync(interceptors).ConfigureAwait(false);
        }
    }

    private async Task<TResponse> InvokeServiceAsync(TRequest request, ServerCallContext context, HttpServerCallContext call)
    {
        var service = Activator.Create(call.HttpContext.RequestServices);
        try
        {
            return await _invoker(service, request, context).ConfigureAwait(false);
        }
        finally
        {
            await Activator.ReleaseAsync(service).ConfigureAwait(false);
        }
    }
}
