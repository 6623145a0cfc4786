using Mesh.Grpc.Health;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

// In the framework namespaces (as grpc-dotnet) so no extra using is needed in Program.cs.
namespace Microsoft.Extensions.DependencyInjection
{
    public static class GrpcHealthServiceCollectionExtensions
    {
        /// <summary>
        /// Registers grpc.health.v1.Health as a singleton <see cref="HealthServiceImpl"/> with the whole
        /// server ("") SERVING. Resolve it to set per-service statuses; map it with <c>app.MapGrpcHealthService()</c>.
        /// </summary>
        public static IServiceCollection AddGrpcHealth(this IServiceCollection services)
        {
            ArgumentNullException.ThrowIfNull(services);
            services.TryAddSingleton(_ =>
            {
                var health = new HealthServiceImpl();
                health.SetStatus("", ServingStatus.Serving);
                return health;
            });
            return services;
        }
    }
}

namespace Microsoft.AspNetCore.Builder
{
    public static class GrpcHealthEndpointRouteBuilderExtensions
    {
        /// <summary>Maps grpc.health.v1.Health. Needs <c>services.AddGrpc()</c> and <c>services.AddGrpcHealth()</c>.</summary>
        public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints)
        {
            ArgumentNullException.ThrowIfNull(endpoints);
            if (endpoints.ServiceProvider.GetService<HealthServiceImpl>() is null)
                throw new InvalidOperationException("The gRPC health service is not registered: call builder.Services.AddGrpcHealth() first.");
            return endpoints.MapGrpcService<HealthServiceImpl>();
        }
    }
}
