using Grpc.Net.Client;
using Mesh.Gateway.Policy;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Mesh.Users.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Users.Tests.Support;

/// <summary>
/// The users service in-process (its own database, Redis key prefix and clock) and the real gateway in front of it,
/// both on free loopback ports, for one test class. Password hashing uses 1,000 PBKDF2 iterations here only: at the
/// production 600,000 each hash costs ~0.3 s on this 2-core box and the suite hashes dozens (PasswordTests pins the
/// production default).
/// </summary>
public class UsersFixture(TestServers servers) : IAsyncLifetime
{
    public const string AdminEmail = "admin@mesh.test";
    public const int TestIterations = 1_000;

    private WebApplication _users = null!;
    private WebApplication _gateway = null!;

    public ManualClock Clock { get; } = new();
    public IsolatedData Data { get; } = new(servers);
    public IServiceProvider Services => _users.Services;
    public Uri UsersGrpc { get; private set; } = null!;
    public Uri UsersHttp { get; private set; } = null!;
    public Uri GatewayAddress { get; private set; } = null!;
    public GrpcChannel Channel { get; private set; } = null!;
    public V1.Users.UsersClient Client { get; private set; } = null!;

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    public async ValueTask InitializeAsync()
    {
        var usersBuilder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(UsersApi).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var config = new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = "0",
            [ServiceEndpoints.HttpPortKey] = "0",
            [HostingExtensions.DrainTimeoutKey] = "00:00:01",
            ["ConnectionStrings:usersdb"] = await Data.PostgresConnectionStringAsync(),
            ["ConnectionStrings:cache"] = await Data.RedisConnectionStringAsync(),
            ["Users:RedisKeyPrefix"] = Data.RedisKeyPrefix,
            ["Users:Passwords:Iterations"] = TestIterations.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Users:BootstrapAdmins:0"] = AdminEmail,
        };
        foreach (var (key, value) in Settings) config[key] = value;
        usersBuilder.Configuration.AddInMemoryCollection(config);
        usersBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        usersBuilder.AddServiceDefaults();
        usersBuilder.AddUsers();
        usersBuilder.Services.AddSingleton<TimeProvider>(Clock);
        usersBuilder.Services.AddGrpc(o => o.EnableDetailedErrors = true); // handler bugs show in failures
        _users = usersBuilder.Build();
        await _users.MigrateUsersDatabaseAsync();
        _users.MapUsers();
        _users.MapDefaultEndpoints();
        await _users.StartAsync(TestContext.Current.CancellationToken);
        var endpoints = _users.Services.GetRequiredService<ServiceEndpoints>();
        UsersGrpc = endpoints.GrpcAddress;
        UsersHttp = endpoints.HttpAddress;
        Channel = GrpcChannel.ForAddress(UsersGrpc);
        Client = new V1.Users.UsersClient(Channel);

        var gatewayBuilder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GatewayExtensions).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        gatewayBuilder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            // Discovery keys as the app host writes them: grpc for calls, http for the OpenID discovery document and JWKS.
            ["services:users:grpc:0"] = UsersGrpc.ToString(),
            ["services:users:http:0"] = UsersHttp.ToString(),
        });
        gatewayBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        gatewayBuilder.AddGateway(services => services.Add(V1.Users.Descriptor, "users"));
        _gateway = gatewayBuilder.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(TestContext.Current.CancellationToken);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (_gateway is not null) { await _gateway.StopAsync(CancellationToken.None); await _gateway.DisposeAsync(); }
        if (_users is not null) { await _users.StopAsync(CancellationToken.None); await _users.DisposeAsync(); }
    }
}
