using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Mesh.Grpc.Tests.Codegen.Fakes;

/// <summary>
/// A real Kestrel h2c server on 127.0.0.1 serving one service plus grpc.health.v1 and server reflection — what an
/// outside tool sees of a Mesh service.
/// </summary>
internal sealed class StandardServicesHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StandardServicesHost(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>"http://127.0.0.1:PORT".</summary>
    public string Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<StandardServicesHost> StartAsync<TService>() where TService : class
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealth();
        builder.Services.AddGrpcReflection();

        var app = builder.Build();
        app.MapGrpcService<TService>();
        app.MapGrpcHealthService();
        app.MapGrpcReflectionService();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new StandardServicesHost(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
