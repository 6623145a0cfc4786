using Mesh.Grpc.Interceptors;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grpc.Server;

/// <summary>
/// The global server interceptors: resolves them for a call and chains them around the service
/// method. Calls without interceptors never come here, so the common case allocates nothing for it.
/// </summary>
internal sealed class InterceptorPipeline
{
    private readonly Activator[] _activators;

    public InterceptorPipeline(IEnumerable<InterceptorRegistration> registrations, IServiceProvider appServices)
    {
        var isService = appServices.GetService<IServiceProviderIsService>();
        _activators = registrations.Select(r => new Activator(r, isService)).ToArray();
    }

    public bool IsEmpty => _activators.Length == 0;

    /// <summary>The interceptors for one call, outermost first.</summary>
    public Interceptor[] Resolve(IServiceProvider requestServices)
    {
        var resolved = new Interceptor[_activators.Length];
        for (var i = 0; i < resolved.Length; i++) resolved[i] = _activators[i].Create(requestServices);
        return resolved;
    }

    /// <summary>Disposes the interceptors this pipeline created for the call (not DI's, not shared instances).</summary>
    public async ValueTask ReleaseAsync(Interceptor[] interceptors)
    {
        for (var i = 0; i < interceptors.Length; i++)
        {
            if (!_activators[i].CreatesPerCall) continue;
            switch (interceptors[i])
            {
                case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync().ConfigureAwait(false); break;
                case IDisposable disposable: disposable.Dispose(); break;
            }
        }
    }

    // Each Wrap builds the chain from the inside out, so interceptors[0] runs first.

    public static UnaryServerMethod<TRequest, TResponse> Wrap<TRequest, TResponse>(Interceptor[] interceptors, UnaryServerMethod<TRequest, TResponse> next)
        where TRequest : class where TResponse : class
    {
        for (var i = interceptors.Length - 1; i >= 0; i--)
        {
            var interceptor = interceptors[i];
            var inner = next;
            next = (request, context) => interceptor.UnaryServerHandler(request, context, inner);
        }
        return next;
    }

    public static ClientStreamingServerMethod<TRequest, TResponse> Wrap<TRequest, TResponse>(Interceptor[] interceptors, ClientStreamingServerMethod<TRequest, TResponse> next)
        where TRequest : class where TResponse : class
    {
        for (var i = interceptors.Length - 1; i >= 0; i--)
        {
            var interceptor = interceptors[i];
            var inner = next;
            next = (requests, context) => interceptor.ClientStreamingServerHandler(requests, context, inner);
        }
        return next;
    }

    public static ServerStreamingServerMethod<TRequest, TResponse> Wrap<TRequest, TResponse>(Interceptor[] interceptors, ServerStreamingServerMethod<TRequest, TResponse> next)
        where TRequest : class where TResponse : class
    {
        for (var i = interceptors.Length - 1; i >= 0; i--)
        {
            var interceptor = interceptors[i];
            var inner = next;
            next = (request, responses, context) => interceptor.ServerStreamingServerHandler(request, responses, context, inner);
        }
        return next;
    }

    public static DuplexStreamingServerMethod<TRequest, TResponse> Wrap<TRequest, TResponse>(Interceptor[] interceptors, DuplexStreamingServerMethod<TRequest, TResponse> next)
        where TRequest : class where TResponse : class
    {
        for (var i = interceptors.Length - 1; i >= 0; i--)
        {
            var interceptor = interceptors[i];
            var inner = next;
            next = (requests, responses, context) => interceptor.DuplexStreamingServerHandler(requests, responses, context, inner);
        }
        return next;
    }

    /// <summary>How one registration becomes an instance: the shared one, DI's, or a new one per call.</summary>
    private sealed class Activator
    {
        private readonly Interceptor? _instance;
        private readonly Type _type;
        private readonly bool _fromContainer;
        private readonly object[] _arguments;
        private readonly ObjectFactory? _factory;

        public Activator(InterceptorRegistration registration, IServiceProviderIsService? isService)
        {
            _instance = registration.Instance;
            _type = registration.Type;
            _arguments = registration.Arguments.ToArray();
            _fromContainer = _instance is null && _arguments.Length == 0 && isService?.IsService(_type) == true;
            if (_instance is null && !_fromContainer)
                _factory = ActivatorUtilities.CreateFactory(_type, _arguments.Select(a => a.GetType()).ToArray());
        }

        public bool CreatesPerCall => _factory is not null;

        public Interceptor Create(IServiceProvider requestServices) =>
            _instance
            ?? (_fromContainer
                ? (Interceptor)requestServices.GetRequiredService(_type)
                : (Interceptor)_factory!(requestServices, _arguments));
    }
}
