using Mesh.Grpc.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.ServiceDefaults.Resilience;

public static class ResilienceExtensions
{
    /// <summary>
    /// Makes incoming gRPC calls visible to outgoing ones (deadline and cancellation propagation). The client side —
    /// <see cref="GrpcResilienceOptions"/> bound from <c>Mesh:Resilience</c> — is wired per downstream service by
    /// <c>AddGrpcClient&lt;T&gt;(name)</c>.
    /// </summary>
    public static IHostApplicationBuilder AddGrpcResilience(this IHostApplicationBuilder builder)
    {
        builder.Services.AddGrpc();
        builder.Services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add(new ServerCallScopeInterceptor()));
        return builder;
    }
}
