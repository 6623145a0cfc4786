using Mesh.Benchmarks.Edge.Proto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks.Edge;

/// <summary>
/// <c>edge-gateway --backend URL</c>: services/Gateway exactly as its Program.cs builds it (AddGateway + MapGateway,
/// the full middleware and policy chain, the gateway's grpc-dotnet channel per backend over service discovery with
/// retries and a circuit breaker), fronting only the
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
        Mesh.Gateway.GatewayProcess.ConfigureBufferPool(); // as services/Gateway's Program.cs does, before anything rents
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
        if (Environment.GetEnvironmentVariable("MESH_EDGE_CANNED_BACKEND") == "1")
        {
            // Profiling aid: no backend call at all, a fixed response, to tell the REST side's cost from the gRPC client's.
            builder.Services.AddSingleton<Mesh.Gateway.Transcoding.IBackendInvokers>(new RawInvokers(new CannedInvoker()));
        }
        else if (Environment.GetEnvironmentVariable("MESH_EDGE_RAW_CHANNEL") == "1")
        {
            // Profiling aid: a bare grpc-dotnet channel instead of the gateway's (no service discovery, retries,
            // breaker or client telemetry), to tell their cost from the rest of the edge.
            var raw = Grpc.Net.Client.GrpcChannel.ForAddress(options.Backend).CreateCallInvoker();
            builder.Services.AddSingleton<Mesh.Gateway.Transcoding.IBackendInvokers>(new RawInvokers(raw));
        }

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

internal sealed class RawInvokers(CallInvoker invoker) : Mesh.Gateway.Transcoding.IBackendInvokers
{
    public CallInvoker Get(string backend) => invoker;
}

internal sealed class CannedInvoker : CallInvoker
{
    private static readonly Proto.Item Item = new() { Id = 42, Name = "canned item", Category = "bench", PriceCents = 1999, Stock = 7, Active = true };

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        new(Task.FromResult((TResponse)(object)Item.Clone()), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => new Metadata(), () => { });

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();
    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) => throw new NotSupportedException();
    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) => throw new NotSupportedException();
}
