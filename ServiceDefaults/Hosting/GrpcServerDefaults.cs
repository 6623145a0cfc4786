using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using Google.Rpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Mesh.ServiceDefaults.Rest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.ServiceDefaults.Hosting;

/// <summary>
/// The gRPC server every service runs: Grpc.AspNetCore; REST for every <c>google.api.http</c> rule of its contracts
/// through the official JSON transcoding (Microsoft.AspNetCore.Grpc.JsonTranscoding); no NUL character in any
/// request string (<see cref="NulCharacterInterceptor"/>); plus server reflection so `buf curl --list-methods` (or any
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
        builder.Services.AddGrpc(o => o.EnableDetailedErrors = builder.Environment.IsDevelopment())
            .AddJsonTranscoding(o =>
            {
                // The public REST contract is proto3 JSON as the edge always wrote it: lowerCamel names, enum names,
                // int64 as strings (a JavaScript number loses precision past 2^53). Default values are written too,
                // so an error body always has "code", "message" and "details".
                o.JsonSettings = new GrpcJsonSettings { WriteInt64sAsStrings = true, IgnoreDefaultValues = false };
                // google.rpc error details travel inside Any; the transcoder must know them to write them as JSON.
                o.TypeRegistry = TypeRegistry.FromFiles(ErrorDetailsReflection.Descriptor, StatusReflection.Descriptor);
            });
        // Registered after every other interceptor (PostConfigure), so it runs innermost: a bad token is still
        // UNAUTHENTICATED first, as at the edge, and a NUL anywhere in a request is INVALID_ARGUMENT naming the field.
        builder.Services.PostConfigure<GrpcServiceOptions>(o =>
        {
            o.Interceptors.Add<NulCharacterInterceptor>();
            o.Interceptors.Add<StreamErrorInterceptor>(); // a REST stream that fails midway ends in an {"error":…} line
        });
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
