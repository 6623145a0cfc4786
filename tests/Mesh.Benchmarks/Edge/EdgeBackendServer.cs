using System.Net;
using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks.Edge;

/// <summary>
/// <c>edge-backend --port G [--http-port H]</c>: the Catalog service with a service's gRPC server as ServiceDefaults
/// builds it (<c>AddGrpcServer</c>: Grpc.AspNetCore and the official JSON transcoding with the mesh's settings), on
/// two loopback listeners like a real service: h2c for gRPC (G) and HTTP/1.1 for REST (H, where the edge forwards).
/// No logging, telemetry or other middleware (the same lean host as <c>serve</c>), plus grpc.health.v1. run-edge.sh
/// calls its gRPC endpoint directly and its REST through the gateway (and, with --backend-rest, directly on both
/// listeners). <c>--kind bare</c> swaps AddGrpcServer for Grpc.AspNetCore and the official JSON transcoding with their
/// defaults and nothing of ours (no interceptors, no health service): what the packages alone cost per REST request.
/// Prints "edge backend listening on GRPC_URL HTTP_URL".
/// </summary>
public static class EdgeBackendServer
{
    public static async Task<int> RunAsync(EdgeOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? grpc = null, http = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => { listen.Protocols = HttpProtocols.Http2; grpc = listen; });
            kestrel.Listen(IPAddress.Loopback, options.HttpPort, listen => { listen.Protocols = HttpProtocols.Http1; http = listen; });
        });
        var bare = options.Kind == "bare";
        if (bare) builder.Services.AddGrpc().AddJsonTranscoding();
        else
        {
            builder.AddGrpcServer();
            builder.Services.AddGrpcHealthChecks(); // Grpc.AspNetCore.HealthChecks, as a real service has
        }

        await using var app = builder.Build();
        app.MapGrpcService<CatalogBackend>();
        if (!bare) app.MapGrpcHealthChecksService();
        await app.StartAsync();

        Console.WriteLine($"edge backend listening on http://127.0.0.1:{grpc!.IPEndPoint!.Port} http://127.0.0.1:{http!.IPEndPoint!.Port}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
