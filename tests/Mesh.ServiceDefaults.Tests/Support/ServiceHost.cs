using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.ServiceDefaults.Tests.Support;

/// <summary>
/// A real service as the mesh runs it: WebApplication + AddServiceDefaults + MapDefaultEndpoints, serving
/// <see cref="ProbeService"/> on its own grpc (h2c) and http (HTTP/1.1) loopback ports.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServiceHost(WebApplication app, ProbeState state)
    {
        _app = app;
        State = state;
        Endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
        GrpcAddress = Endpoints.GrpcAddress;
        HttpAddress = Endpoints.HttpAddress;
    }

    public ProbeState State { get; }
    public ServiceEndpoints Endpoints { get; }
    public Uri GrpcAddress { get; }
    public Uri HttpAddress { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<ServiceHost> StartAsync(string name, Action<WebApplicationBuilder>? configure = null,
        IDictionary<string, string?>? settings = null, int grpcPort = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var config = new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = grpcPort.ToString(),
            [ServiceEndpoints.HttpPortKey] = "0",
            [HostingExtensions.DrainTimeoutKey] = "00:00:05",
            ["Mesh:Health:GrpcRefreshInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) config[key] = value;
        builder.Configuration.AddInMemoryCollection(config);

        builder.AddServiceDefaults();
        builder.Logging.SetMinimumLevel(LogLevel.Warning); // the JSON console is the point in production, noise in tests
        var state = new ProbeState(name);
        builder.Services.AddSingleton(state);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapGrpcService<ProbeService>();
        app.MapDefaultEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new ServiceHost(app, state);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
