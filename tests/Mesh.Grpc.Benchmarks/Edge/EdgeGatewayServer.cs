using Mesh.Grpc.Benchmarks.Edge.Proto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Benchmarks.Edge;

/// <summary>
/// <c>edge-gateway --backend URL</c>: services/Gateway exactly as its Program.cs builds it (AddGateway + MapGateway,
/// the full middleware and policy chain, ServiceDefaults' discovered, resilient channel), fronting only the
/// bench Catalog service instead of the production contracts. Two listeners on free loopback ports:
/// HTTP/1.1+HTTP/2 (HTTP_PORT) and h2c by prior knowledge (HTTP2_PORT).
/// Differences from a deployment, on purpose: no Redis (so no rate-limit round trip; a deployment with
/// Gateway:RateLimits pays one Redis call per request on top), logs at Warning, no OTLP endpoint.
/// Prints "edge gateway listening on URL1 URL2" when ready.
/// </summary>
public static class EdgeGatewayServer
{
    public static async Task<int> RunAsync(EdgeOptions options)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GatewayExtensions).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            [GatewayExtensions.Http2PortKey] = "0",
            ["services:catalog:grpc:0"] = options.Backend ?? throw new ArgumentException("--backend URL is required"),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddGateway(services => services.Add(Proto.Catalog.Descriptor, "catalog"));

        await using var app = builder.Build();
        app.MapGateway();
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Console.WriteLine($"edge gateway listening on {string.Join(' ', addresses)}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
