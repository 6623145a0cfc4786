using Mesh.ServiceDefaults.Discovery;
using Mesh.ServiceDefaults.Resilience;
using Mesh.ServiceDefaults.Tests.Proto;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.ServiceDefaults.Tests.Support;

/// <summary>A caller outside any service: DI with only AddGrpcClient, endpoints given as Aspire's configuration keys.</summary>
public sealed class TestClient : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private TestClient(ServiceProvider services, string name)
    {
        _services = services;
        Client = services.GetRequiredService<Probe.ProbeClient>();
        Channel = services.GetRequiredService<ServiceChannels>().Get(name);
    }

    public Probe.ProbeClient Client { get; }
    public ServiceChannel Channel { get; }

    public static TestClient For(IEnumerable<Uri> endpoints, Action<GrpcResilienceOptions>? configure = null, string name = "probe")
    {
        var settings = new Dictionary<string, string?>();
        var i = 0;
        foreach (var endpoint in endpoints) settings[$"services:{name}:grpc:{i++}"] = endpoint.ToString();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddGrpcClient<Probe.ProbeClient>(name, configure);
        return new TestClient(services.BuildServiceProvider(), name);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
