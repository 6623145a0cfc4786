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
    private int _disposed;

    private ServiceHost(WebApplication app, ProbeState state)
    {
        _app = app;
        State = state;
        Endpoints = app.Services.GetRequiredService<ServiceEndpoints>();
    }

    public ProbeState State { get; }
    public ServiceEndpoints Endpoints { get; }
    public Uri GrpcAddress => Endpoints.GrpcAddress;
    public Uri HttpAddress => Endpoints.HttpAddress;
    public IServiceProvider Services => _app.Services;
    public WebApplication App => _app;

    /// <summary>Builds the service (with <see cref="RestProbeService"/> too when <paramref name="withRest"/>); StartAsync also starts it.</summary>
    public static ServiceHost Create(string name, Action<WebApplicationBuilder>? configure = null,
        IDictionary<string, string?>? settings = null, int grpcPort = 0, string environment = "Production", bool withRest = false)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        var config = new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = grpcPort.ToString(),
            [ServiceEndpoints.HttpPortKey] = "0",
            [HostingExtensions.DrainTimeoutKey] = "00:00:05",
            ["Mesh:Health:GrpcRefreshInterval"] = "00:00:01",   // the publisher's minimum
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
        if (withRest) app.MapGrpcService<RestProbeService>();
        app.MapDefaultEndpoints();
        return new ServiceHost(app, state);
    }

    public static async Task<ServiceHost> StartAsync(string name, Action<WebApplicationBuilder>? configure = null,
        IDictionary<string, string?>? settings = null, int grpcPort = 0, string environment = "Production", bool withRest = false)
    {
        var host = Create(name, configure, settings, grpcPort, environment, withRest);
        await host._app.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }

    public Task StartAsync() => _app.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        // A test that stopped the service itself has seen it stop; stopping again would wait out the shutdown delay again.
        if (!_app.Lifetime.ApplicationStopped.IsCancellationRequested)
            await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
