using Dapper;
using Microsoft.Extensions.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SupportClient = Mesh.Support.V1.Support.SupportClient;

namespace Mesh.Support.Tests.Support;

/// <summary>
/// A signed-in caller: a customer, an agent (role support_agent) or an admin. Each use mints a fresh token on the test
/// clock, so tokens do not expire when a test moves the clock by days.
/// </summary>
public sealed class TestCaller(Guid id, string[] roles, TestTokens tokens)
{
    public Guid Id { get; } = id;
    public string Token => tokens.Mint(Id.ToString(), roles);
    public Metadata Bearer => new() { { "authorization", $"Bearer {Token}" } };
}

/// <summary>
/// Two replicas of the support service on one database (the test class's own), on a clock the tests move, with the
/// real gateway in front of replica A for the REST routes and the chat hub, and a second edge replica (gateway B, with
/// the SignalR Redis backplane on the test Redis) whose hub reaches replica B. Tests may stop and start replicas.
/// </summary>
public sealed class SupportFixture(TestServers servers) : IAsyncLifetime
{
    private WebApplication? _gateway;
    private WebApplication? _gatewayB;

    public IsolatedData Data { get; } = new(servers);
    public ManualClock Clock { get; } = new();
    public TestTokens Tokens { get; private set; } = null!;
    public SupportReplica A { get; private set; } = null!;
    public SupportReplica B { get; private set; } = null!;
    public Uri GatewayAddress { get; private set; } = null!;
    /// <summary>The second edge replica: its chat hub opens its streams at replica B (as started by the fixture).</summary>
    public Uri GatewayBAddress { get; private set; } = null!;
    public IServiceProvider GatewayServices => _gateway!.Services;
    public IServiceProvider GatewayBServices => _gatewayB!.Services;
    public SupportClient Client => A.Client;
    /// <summary>The database the replicas share, for the tests' own reads (independent of any replica).</summary>
    public NpgsqlDataSource Database { get; private set; } = null!;

    public TestCaller Customer() => Caller();
    public TestCaller Agent() => Caller("support_agent");
    public TestCaller Admin() => Caller("admin");

    private TestCaller Caller(params string[] roles) => new(Guid.NewGuid(), roles.Length == 0 ? ["customer"] : roles, Tokens);

    public HttpClient Rest(TestCaller caller)
    {
        var http = new HttpClient { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", caller.Token);
        return http;
    }

    public async ValueTask InitializeAsync()
    {
        Tokens = new TestTokens { Clock = Clock };
        Database = NpgsqlDataSource.Create(await Data.PostgresConnectionStringAsync());
        A = await StartReplicaAsync();
        B = await StartReplicaAsync();
        (_gateway, GatewayAddress) = await StartGatewayAsync(A, redis: null);
        (_gatewayB, GatewayBAddress) = await StartGatewayAsync(B, await Data.RedisConnectionStringAsync());
    }

    public async Task<SupportReplica> StartReplicaAsync() =>
        await SupportReplica.StartAsync(await Data.PostgresConnectionStringAsync(), Tokens, Clock);

    /// <summary>Replaces replica A with one started with <paramref name="settings"/> (e.g. the addresses of payment and booking).</summary>
    public async Task ReplaceAAsync(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        await A.StopAsync();
        A = await SupportReplica.StartAsync(await Data.PostgresConnectionStringAsync(), Tokens, Clock, settings);
    }

    /// <summary>Replaces a stopped replica B with a new one (nothing in memory survives).</summary>
    public async Task RestartBAsync()
    {
        await B.StopAsync();
        B = await StartReplicaAsync();
    }

    public async Task<long> CountAsync(string sql, object? args = null)
    {
        await using var connection = await Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }

    private async Task<(WebApplication, Uri)> StartGatewayAsync(SupportReplica replica, string? redis)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GatewayExtensions).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:support:http:0"] = replica.HttpAddress.ToString(),
            ["services:support:grpc:0"] = replica.GrpcAddress.ToString(),
            ["ConnectionStrings:cache"] = redis,
            ["Gateway:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Gateway:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddGateway(services => services.Add(V1.Support.Descriptor, "support"));
        builder.AddSupportChat();
        var gateway = builder.Build();
        gateway.MapGateway();
        gateway.MapSupportChat();
        await gateway.StartAsync(TestContext.Current.CancellationToken);
        return (gateway, new Uri(gateway.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First()));
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        if (_gatewayB is not null) await _gatewayB.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
        if (Database is not null) await Database.DisposeAsync();
    }
}
