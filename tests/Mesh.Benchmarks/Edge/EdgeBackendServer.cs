using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks.Edge;

/// <summary>
/// <c>edge-backend --port P</c>: the Catalog service on Grpc.AspNetCore, h2c on 127.0.0.1, no middleware or logging
/// plus grpc.health.v1 for the gateway's readiness check (otherwise the same lean host as <c>serve</c>). run-edge.sh calls it directly and through the gateway.
/// Prints "listening on http://127.0.0.1:PORT" when ready.
/// </summary>
public static class EdgeBackendServer
{
    public static async Task<int> RunAsync(EdgeOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks(); // Grpc.AspNetCore.HealthChecks: the gateway's readiness probes it, as it would a real service

        await using var app = builder.Build();
        app.MapGrpcService<CatalogBackend>();
        app.MapGrpcHealthChecksService();
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Console.WriteLine($"edge backend listening on {address}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
