using Mesh.Grpc.Server;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In this namespace (as in grpc-dotnet) so `builder.Services.AddGrpc()` needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

public static class GrpcServiceCollectionExtensions
{
    /// <summary>Registers the gRPC server. Then map services with <c>app.MapGrpcService&lt;T&gt;()</c>.</summary>
    public static IGrpcServerBuilder AddGrpc(this IServiceCollection services, Action<GrpcServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        services.AddOptions<GrpcServiceOptions>();
        services.TryAddSingleton<GrpcServiceRegistry>();
        if (configure is not null) services.Configure(configure);
        return new GrpcServerBuilder(services);
    }
}
