using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Benchmarks.Edge;

/// <summary>
/// <c>edge-gateway --backend URL</c>: services/Gateway exactly as its Program.cs builds it (AddGateway + MapGateway:
/// YARP with routes from the contract's http rules, the whole policy chain, the destination found by service
/// discovery), fronting only the bench Catalog service, whose http endpoint is URL (its JSON transcoding serves the
/// REST call). Two listeners on free loopback ports: HTTP/1.1+HTTP/2 (HTTP_PORT) and h2c by prior knowledge (HTTP2_PORT).
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
            ["services:catalog:http:0"] = options.Backend ?? throw new ArgumentException("--backend URL (the backend's http endpoint) is required"),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddGateway(services => services.Add(Proto.Catalog.Descriptor, "catalog"));

        await using var app = builder.Build();
        // Process counters for profiling the edge: allocation and thread-pool work per request are far steadier
        // than CPU time on a busy box (read before and after a fixed number of requests).
        app.MapGet("/debug/process-counters", () => new
        {
            allocatedBytes = GC.GetTotalAllocatedBytes(precise: true),
            threadPoolWorkItems = ThreadPool.CompletedWorkItemCount,
            gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2),
        });
        app.MapGateway();
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Console.WriteLine($"edge gateway listening on {string.Join(' ', addresses)}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
