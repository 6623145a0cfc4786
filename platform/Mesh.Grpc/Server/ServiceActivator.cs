using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grpc.Server;

/// <summary>
/// Provides the service instance for a call, as grpc-dotnet does: taken from DI when TService is
/// registered there (its lifetime is then DI's business), otherwise created for every call with
/// ActivatorUtilities (constructor dependencies from the request's scope) and disposed after the call.
/// </summary>
internal sealed class ServiceActivator<TService> where TService : class
{
    private readonly bool _fromContainer;
    private readonly ObjectFactory<TService>? _factory;

    public ServiceActivator(IServiceProvider appServices)
    {
        _fromContainer = appServices.GetService<IServiceProviderIsService>()?.IsService(typeof(TService)) == true;
        if (!_fromContainer) _factory = ActivatorUtilities.CreateFactory<TService>(Type.EmptyTypes);
    }

    public TService Create(IServiceProvider requestServices) =>
        _fromContainer ? requestServices.GetRequiredService<TService>() : _factory!(requestServices, null);

    public ValueTask ReleaseAsync(TService service)
    {
        if (_fromContainer) return default;
        if (service is IAsyncDisposable asyncDisposable) return asyncDisposable.DisposeAsync();
        if (service is IDisposable disposable) disposable.Dispose();
        return default;
    }
}
