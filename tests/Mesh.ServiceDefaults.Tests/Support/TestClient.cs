using Mesh.ServiceDefaults.Clients;
using Mesh.ServiceDefaults.Tests.Proto;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.ServiceDefaults.Tests.Support;

/// <summary>
/// A caller as a service of the mesh is one: a host with AddServiceDefaults and
/// <c>builder.AddServiceClient&lt;Probe.ProbeClient&gt;(name)</c>, its downstream's replicas given as Aspire's
/// configuration keys (<c>services:NAME:grpc:0</c>, <c>…:1</c>) and found by service discovery.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    private readonly IHost _host;

    private TestClient(IHost host, string service, string clientName)
    {
        _host = host;
        Service = service;
        ClientName = clientName;
        Client = host.Services.GetRequiredService<Probe.ProbeClient>();
    }

    public Probe.ProbeClient Client { get; }
    public string Service { get; }

    /// <summary>The name of the IHttpClientBuilder AddServiceClient returned (the key of its GrpcClientFactoryOptions).</summary>
    public string ClientName { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>The breaker AddServiceClient gave the downstream service.</summary>
    public ServiceCircuitBreaker? Breaker => _host.Services.GetRequiredService<ServiceCircuitBreakers>().Find(Service);

    public static async Task<TestClient> StartAsync(IEnumerable<Uri> endpoints, IDictionary<string, string?>? settings = null,
        string service = "probe", Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        var config = new Dictionary<string, string?>();
        var i = 0;
        foreach (var endpoint in endpoints) config[$"services:{service}:grpc:{i++}"] = endpoint.ToString();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) config[key] = value;
        builder.Configuration.AddInMemoryCollection(config);
        builder.AddServiceDefaults();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var client = builder.AddServiceClient<Probe.ProbeClient>(service);
        configure?.Invoke(builder);

        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return new TestClient(host, service, client.Name);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
    }
}
