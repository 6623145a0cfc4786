using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Interop.Server;

/// <summary>
/// <c>server --port P [--use_tls false]</c>: serves grpc.testing.TestService over h2c on 127.0.0.1 (loopback
/// only; port 0 picks a free one) and prints "listening on 127.0.0.1:PORT" once calls are accepted.
/// grpc.testing.UnimplementedService is deliberately not mapped: calls to it must get UNIMPLEMENTED.
/// Health and server reflection are mapped too, so tools such as `buf curl` can explore it with no proto file.
/// </summary>
public static class InteropServer
{
    public static readonly string[] KnownFlags = ["port", "use_tls"];

    public static async Task<int> RunAsync(CommandLine flags)
    {
        var port = flags.GetPort("port", allowZero: true);
        if (flags.GetBool("use_tls", fallback: false))
            throw new UsageException("--use_tls true is not supported: this harness speaks h2c (plaintext HTTP/2) only");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddGrpcHealth();
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpc(options =>
        {
            // gzip is on for the call; each message opts out with WriteFlags.NoCompress unless
            // the client asked for a compressed response ([CompressedResponse]).
            options.ResponseCompressionAlgorithm = "gzip";
            // large_unary and friends stay well under the default 4 MB limit.
        });

        await using var app = builder.Build();
        app.Use(RequestFrameProbe.InvokeAsync);
        app.MapGrpcService<TestServiceImpl>();
        app.MapGrpcHealthService();
        app.MapGrpcReflectionService();

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Console.WriteLine($"Mesh.Grpc interop server listening on {address}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
