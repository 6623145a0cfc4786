using Mesh.Grpc.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.ServiceDefaults.Resilience;

public static class ResilienceExtensions
{
    /// <summary>
    /// Binds <see cref="GrpcResilienceOptions"/> from <c>Mesh:Resilience</c> for every client and makes incoming gRPC
    /// calls visible to outgoing ones (deadline and cancellation propagation). The client side is wired per
    /// downstream service by <c>AddGrpcClient&lt;T&gt;(name)</c>.
    /// </summary>
    public static IHostApplicationBuilder AddGrpcResilience(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GrpcResilienceOptions>();
        builder.Services.ConfigureAll<GrpcResilienceOptions>(o => BindFrom(builder, o));
        builder.Services.AddGrpc();
        builder.Services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add(new ServerCallScopeInterceptor()));
        return builder;
    }

    private static void BindFrom(IHostApplicationBuilder builder, GrpcResilienceOptions options)
    {
        var section = builder.Configuration.GetSection(GrpcResilienceOptions.SectionName);
        if (section.Exists()) Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(section, options);
    }
}
