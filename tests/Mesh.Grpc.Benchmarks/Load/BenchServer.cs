using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Benchmarks.Load;

/// <summary>
/// <c>serve --port P</c>: the smallest Mesh.Grpc server of TestService — Kestrel h2c on 127.0.0.1, no
/// middleware, no logging. The interop server is not used for load because its frame probe wraps every
/// request body and it runs with gzip negotiation on; a fair comparison with the reference servers
/// measures the runtime alone. Prints "listening on 127.0.0.1:PORT" when ready.
/// </summary>
public static class BenchServer
{
    public static async Task<int> RunAsync(LoadOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();

        await using var app = builder.Build();
        app.MapGrpcService<BenchTestService>();
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Console.WriteLine($"Mesh.Grpc bench server listening on {address}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
