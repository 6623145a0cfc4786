using Mesh.Gateway.Tests.Proto;
using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Gateway.Tests.Support;

/// <summary>
/// The Library backend as a real service: ServiceDefaults (Grpc.AspNetCore, h2c on its grpc endpoint; REST through the
/// official JSON transcoding and its OpenAPI document on its HTTP/1.1 http endpoint), each on a free port.
/// </summary>
public sealed class BackendHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BackendHost(WebApplication app, BackendState state)
    {
        _app = app;
        State = state;
        GrpcAddress = app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;
        HttpAddress = app.Services.GetRequiredService<ServiceEndpoints>().HttpAddress;
    }

    public BackendState State { get; }
    public Uri GrpcAddress { get; }
    public IServiceProvider Services => _app.Services;

    /// <summary>The http endpoint, where the edge forwards REST (discovery key services:library:http:0).</summary>
    public Uri HttpAddress { get; }

    /// <summary>Starts the backend; <paramref name="httpPort"/> pins its http endpoint (0: a free port).</summary>
    public static async Task<BackendHost> StartAsync(int httpPort = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = "0",
            [ServiceEndpoints.HttpPortKey] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [HostingExtensions.DrainTimeoutKey] = "00:00:02",
            ["Mesh:Health:GrpcRefreshInterval"] = "00:00:01", // the health check publisher's least period
        });
        builder.AddServiceDefaults();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var state = new BackendState();
        builder.Services.AddSingleton(state);
        var app = builder.Build();
        app.MapGrpcService<LibraryBackend>();
        app.MapDefaultEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new BackendHost(app, state);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>A gateway in-process on free loopback ports (HTTP/1.1+HTTP/2, and h2c), fronting the Library service whose http endpoint is <c>backend</c>.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayHost(WebApplication app)
    {
        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        BaseAddress = new Uri(addresses[0]);
        Http2Address = addresses.Count > 1 ? new Uri(addresses[1]) : null;
    }

    public Uri BaseAddress { get; }
    public Uri? Http2Address { get; }
    public IServiceProvider Services => _app.Services;

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public static async Task<GatewayHost> StartAsync(Uri backend, Tokens tokens, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GatewayExtensions).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var config = new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            [GatewayExtensions.Http2PortKey] = "0",
            // As the app host writes it: the service's http endpoint, where its JSON transcoding serves REST.
            ["services:library:http:0"] = backend.ToString(),
            ["Gateway:Auth:Issuer"] = Tokens.Issuer,
            ["Gateway:Auth:Audience"] = Tokens.Audience,
            ["Gateway:Auth:Keys:0:Kid"] = tokens.KeyId,
            ["Gateway:Auth:Keys:0:Pem"] = tokens.PublicPem,
            ["Gateway:Auth:PublicMethods:0"] = "mesh.gateway_test.v1.Library/*",
            ["Gateway:MaxRequestBodyBytes"] = "4096",
            ["Gateway:CorsOrigins:0"] = "https://app.mesh.test",
            // The timeout of every unary route (Gateway_deadline_gives_504 sleeps past it).
            ["Gateway:RequestTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) config[key] = value;
        builder.Configuration.AddInMemoryCollection(config);
        builder.AddGateway(services => services.Add(Library.Descriptor, "library"));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapGateway();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new GatewayHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>One backend + one gateway for a test class (public methods by config, so most tests need no token).</summary>
public class GatewayFixture : IAsyncLifetime
{
    public Tokens Tokens { get; } = new();
    public BackendHost Backend { get; private set; } = null!;
    public GatewayHost Gateway { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    protected virtual IDictionary<string, string?>? Settings => null;

    public async ValueTask InitializeAsync()
    {
        Backend = await BackendHost.StartAsync();
        Gateway = await GatewayHost.StartAsync(Backend.HttpAddress, Tokens, Settings);
        Client = Gateway.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
