using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.ServiceDefaults.Hosting;

/// <summary>
/// The gRPC server every service runs: Grpc.AspNetCore, plus server reflection so `buf curl --list-methods` (or any
/// reflection client) can explore a running service with no .proto file. Reflection is on in Development (the app
/// host runs services there) and off otherwise unless <c>Mesh:Grpc:Reflection</c> says so: a public schema is a
/// convenience, not a production default.
/// </summary>
public static class GrpcServerDefaults
{
    public const string ReflectionKey = "Mesh:Grpc:Reflection";

    public static IHostApplicationBuilder AddGrpcServer(this IHostApplicationBuilder builder)
    {
        // Exception text stays on the server (INTERNAL without detail) unless a handler throws an RpcException.
        builder.Services.AddGrpc(o => o.EnableDetailedErrors = builder.Environment.IsDevelopment());
        if (ReflectionEnabled(builder.Configuration, builder.Environment)) builder.Services.AddGrpcReflection();
        return builder;
    }

    public static WebApplication MapDevelopmentReflection(this WebApplication app)
    {
        if (ReflectionEnabled(app.Configuration, app.Environment)) app.MapGrpcReflectionService();
        return app;
    }

    private static bool ReflectionEnabled(IConfiguration configuration, IHostEnvironment environment) =>
        configuration.GetValue<bool?>(ReflectionKey) ?? environment.IsDevelopment();
}
