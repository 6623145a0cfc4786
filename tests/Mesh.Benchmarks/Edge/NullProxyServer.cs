using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Benchmarks.Edge;

/// <summary>
/// <c>edge-null-proxy --backend URL</c>: the least an edge built on YARP can be — a slim host with no logging, no
/// routing, no policy, no telemetry, that hands every request to YARP's <see cref="IHttpForwarder"/> for URL with no
/// transform, over cleartext HTTP/2 to the backend's gRPC listener (which serves the REST routes too, and is the
/// backend's cheapest way in: run-edge.sh's rest-h2). It listens for h2c by prior knowledge. run-edge.sh --null-proxy
/// puts it beside the real edge: what any YARP edge costs before a line of ours, against the same direct call.
/// Prints "edge null proxy listening on URL" when ready.
/// </summary>
public static class NullProxyServer
{
    public static async Task<int> RunAsync(EdgeOptions options)
    {
        var backend = options.Backend ?? throw new ArgumentException("--backend URL (the backend's gRPC h2c endpoint) is required");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? listener = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0, o => { o.Protocols = HttpProtocols.Http2; listener = o; });
        });
        builder.Services.AddHttpForwarder();

        await using var app = builder.Build();
        // The client YARP's own cluster clients are made like (no proxy, redirects, cookies or decompression).
        using var client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false, AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, UseCookies = false,
            EnableMultipleHttp2Connections = true, ActivityHeadersPropagator = null,
        });
        var request = new ForwarderRequestConfig { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        // A failed forward is already answered by YARP (502/504); the benchmark counts non-2xx answers as failures.
        app.Run(async context => await forwarder.SendAsync(context, backend, client, request, HttpTransformer.Empty));
        await app.StartAsync();

        Console.WriteLine($"edge null proxy listening on http://127.0.0.1:{listener!.IPEndPoint!.Port}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
