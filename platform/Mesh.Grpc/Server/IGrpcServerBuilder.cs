using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grpc.Server;

/// <summary>Returned by AddGrpc(); extension methods hang further gRPC registrations off it.</summary>
public interface IGrpcServerBuilder
{
    IServiceCollection Services { get; }
}

internal sealed class GrpcServerBuilder(IServiceCollection services) : IGrpcServerBuilder
{
    public IServiceCollection Services { get; } = services;
}
