using System.Net;
using Grpc.Core;
using Mesh.Analytics.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Mesh.Benchmarks.Analytics;

/// <summary>
/// The references CheckRisk's latency is read against (analytics-load runs them after CheckRisk, same driver, same
/// rate, same machine): a bare Grpc.AspNetCore server (slim host, no logging, no service defaults) answering ALLOW
/// at once (<c>grpc</c>), the same answering after one Redis PING on its own multiplexer (<c>grpc+redis</c>), and after
/// CheckRisk's own Redis script (<c>grpc+script</c>: <see cref="Mesh.Analytics.Risk.RiskSignals"/>, the same windows
/// written and read, no rules, no service defaults). No service that answers over gRPC and asks Redis once can have a
/// tail below the second's on this machine; the third says what the script adds to it.
/// </summary>
public static class RiskFloor
{
    public static async Task<(WebApplication App, string Address)> StartAsync(string kind, string? redisConnectionString)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        if (kind is "grpc+redis" or "grpc+script")
        {
            var redis = await ConnectionMultiplexer.ConnectAsync(redisConnectionString ?? throw new ArgumentNullException(nameof(redisConnectionString)));
            // Registered by factory, not as an instance: the container disposes what its factories return, so the
            // floor's connection closes with the app rather than living on for the rest of the benchmark.
            builder.Services.AddSingleton<IConnectionMultiplexer>(_ => redis);
        }
        else if (kind != "grpc") throw new ArgumentException($"unknown floor {kind} (grpc, grpc+redis, grpc+script)", nameof(kind));
        if (kind == "grpc+script")
            builder.Services.AddSingleton(sp => new Mesh.Analytics.Risk.RiskSignals(sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase(), new Mesh.Analytics.RiskOptions()));
        var app = builder.Build();
        app.MapGrpcService<FloorService>();
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    private sealed class FloorService(IServiceProvider services) : Mesh.Analytics.V1.Analytics.AnalyticsBase
    {
        private readonly IDatabase? _redis = services.GetService<IConnectionMultiplexer>()?.GetDatabase();
        private readonly Mesh.Analytics.Risk.RiskSignals? _signals = services.GetService<Mesh.Analytics.Risk.RiskSignals>();

        public override async Task<CheckRiskResponse> CheckRisk(CheckRiskRequest request, ServerCallContext context)
        {
            if (_signals is not null) await _signals.RecordAndReadAsync(request, DateTimeOffset.UtcNow);
            else if (_redis is not null) await _redis.PingAsync();
            return new CheckRiskResponse { Decision = RiskDecision.Allow };
        }
    }
}
