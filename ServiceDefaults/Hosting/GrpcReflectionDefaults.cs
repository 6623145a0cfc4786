using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.ServiceDefaults.Hosting;

/// <summary>
/// gRPC server reflection, so `buf curl --list-methods` (or any reflection client) can explore a running
/// service with no .proto file. On in Development (the app host runs services there), off otherwise
/// unless <c>Mesh:Grpc:Reflection</c> says so: a public schema is a convenience, not a production default.
/// </summary>
public static class GrpcReflectionDefaults
{
    public const string EnabledKey = "Mesh:Grpc:Reflection";

    public static IHostApplicationBuilder AddDevelopmentReflection(this IHostApplicationBuilder builder)
    {
        if (IsEnabled(builder.Configuration, builder.Environment)) builder.Services.AddGrpcReflection();
        return builder;
    }

    public static WebApplication MapDevelopmentReflection(this WebApplication app)
    {
        if (IsEnabled(app.Configuration, app.Environment)) app.MapGrpcReflectionService();
        return app;
    }

    private static bool IsEnabled(IConfiguration configuration, IHostEnvironment environment) =>
        configuration.GetValue<bool?>(EnabledKey) ?? environment.IsDevelopment();
}
