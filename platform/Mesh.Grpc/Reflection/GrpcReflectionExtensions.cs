using Mesh.Grpc.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In the framework namespaces (as grpc-dotnet) so no extra using is needed in Program.cs.
namespace Microsoft.Extensions.DependencyInjection
{
    public static class GrpcReflectionServiceCollectionExtensions
    {
        /// <summary>
        /// Registers server reflection (v1 and v1alpha). Then <c>app.MapGrpcReflectionService()</c>;
        /// it describes every service mapped with MapGrpcService on the same route builder.
        /// </summary>
        public static IServiceCollection AddGrpcReflection(this IServiceCollection services)
        {
            ArgumentNullException.ThrowIfNull(services);
            services.TryAddSingleton<MappedServiceDescriptors>();
            services.TryAddSingleton(sp => new ReflectionServiceImpl(sp.GetRequiredService<MappedServiceDescriptors>().Index));
            services.TryAddSingleton(sp => new ReflectionV1AlphaServiceImpl(sp.GetRequiredService<MappedServiceDescriptors>().Index));
            return services;
        }
    }
}

namespace Microsoft.AspNetCore.Builder
{
    public static class GrpcReflectionEndpointRouteBuilderExtensions
    {
        /// <summary>Maps grpc.reflection.v1 and v1alpha. Needs <c>services.AddGrpc()</c> and <c>services.AddGrpcReflection()</c>.</summary>
        public static IEndpointConventionBuilder MapGrpcReflectionService(this IEndpointRouteBuilder endpoints)
        {
            ArgumentNullException.ThrowIfNull(endpoints);
            var mapped = endpoints.ServiceProvider.GetService<MappedServiceDescriptors>()
                         ?? throw new InvalidOperationException("Server reflection is not registered: call builder.Services.AddGrpcReflection() first.");
            mapped.Track(endpoints);
            return new CompositeEndpointConventionBuilder(
                [endpoints.MapGrpcService<ReflectionServiceImpl>(), endpoints.MapGrpcService<ReflectionV1AlphaServiceImpl>()]);
        }
    }
}
