using System.Reflection;
using Mesh.Grpc;
using Mesh.Grpc.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// In this namespace (as in grpc-dotnet) so `app.MapGrpcService<T>()` needs no extra using.
namespace Microsoft.AspNetCore.Builder;

public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every RPC of <typeparamref name="TService"/> to an endpoint (POST /package.Service/Method).
    /// The generated base class of TService must carry [BindServiceMethod]. Each call gets its service
    /// instance from DI when TService is registered there, otherwise a new one created with
    /// ActivatorUtilities (dependencies from the request scope) and disposed after the call.
    /// </summary>
    public static GrpcServiceEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints) where TService : class
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var appServices = endpoints.ServiceProvider;
        var registry = appServices.GetService<GrpcServiceRegistry>()
                       ?? throw new InvalidOperationException("gRPC services are not registered: call builder.Services.AddGrpc() first.");
        var options = appServices.GetRequiredService<IOptions<GrpcServiceOptions>>().Value;
        var logger = appServices.GetRequiredService<ILoggerFactory>().CreateLogger("Mesh.Grpc.Server.ServerCallHandler");
        var settings = new ServerCallSettings(options, appServices, logger);

        var binder = new ServiceMethodBinder<TService>(endpoints, settings, new ServiceActivator<TService>(appServices));
        InvokeBindService(typeof(TService), binder);

        foreach (var serviceName in binder.ServiceNames)
            if (registry.TryAddService(endpoints, serviceName))
                UnimplementedEndpoints.MapUnknownMethod(endpoints, serviceName);
        if (!options.IgnoreUnknownServices && registry.TryAddUnknownServiceFallback(endpoints))
            UnimplementedEndpoints.MapUnknownService(endpoints);

        return new GrpcServiceEndpointConventionBuilder(binder.EndpointBuilders);
    }

    /// <summary>
    /// Calls the static BindService(ServiceBinderBase, TBase) named by [BindServiceMethod] on TService's
    /// generated base, passing no instance: the binder only needs the method descriptors.
    /// </summary>
    private static void InvokeBindService(Type serviceType, ServiceBinderBase binder)
    {
        var attribute = serviceType.GetCustomAttribute<BindServiceMethodAttribute>(inherit: true)
                        ?? throw new InvalidOperationException(
                            $"Cannot map {serviceType}: neither it nor a base class has [{nameof(BindServiceMethodAttribute)}]. " +
                            "Derive the service from the generated base class.");

        var bindMethod = attribute.BindType
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == attribute.BindMethodName && IsBindSignature(m, serviceType))
            ?? throw new InvalidOperationException(
                $"Cannot map {serviceType}: {attribute.BindType}.{attribute.BindMethodName}(ServiceBinderBase, base) was not found.");

        try
        {
            bindMethod.Invoke(null, [binder, null]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw new InvalidOperationException(
                $"Binding {serviceType} failed in {attribute.BindType}.{attribute.BindMethodName}. " +
                "The generated BindService must accept a null implementation (pass null handlers).", ex.InnerException);
        }
    }

    private static bool IsBindSignature(MethodInfo method, Type serviceType)
    {
        var parameters = method.GetParameters();
        return parameters.Length == 2
               && parameters[0].ParameterType == typeof(ServiceBinderBase)
               && parameters[1].ParameterType.IsAssignableFrom(serviceType);
    }
}
