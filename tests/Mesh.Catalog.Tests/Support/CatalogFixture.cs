using Grpc.Net.Client;
using Mesh.Catalog.V1;
using Mesh.Gateway.Policy;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mesh.Catalog.Tests.Support;

/// <summary>
/// The catalog in-process (its own database and Redis key prefix; demo data off) and the real gateway in front of it,
/// both on free loopback ports, for one test class. Tokens come from <see cref="Tokens"/>, whose public key the
/// catalog and the gateway trust.
/// </summary>
public class CatalogFixture(TestServers servers) : IAsyncLifetime
{
    public const string PartnerA = "partner-a";
    public const string PartnerB = "partner-b";
    public const string AdminUser = "admin-1";
    public const string Customer = "customer-1";

    private WebApplication _catalog = null!;
    private WebApplication _gateway = null!;

    public TestTokens Tokens { get; } = new();
    public IsolatedData Data { get; } = new(servers);
    public IServiceProvider Services => _catalog.Services;
    public Uri GatewayAddress { get; private set; } = null!;
    public GrpcChannel Channel { get; private set; } = null!;
    public Mesh.Catalog.V1.Catalog.CatalogClient Client { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";

    public Metadata AsPartnerA => Tokens.As(PartnerA, "customer", "partner");
    public Metadata AsPartnerB => Tokens.As(PartnerB, "customer", "partner");
    public Metadata AsAdmin => Tokens.As(AdminUser, "customer", "admin");
    public Metadata AsCustomer => Tokens.As(Customer, "customer");

    /// <summary>Off in tests (each class builds the data it asserts on); the seeding test turns it on.</summary>
    protected virtual bool SeedDemoData => false;

    /// <summary>Off by default (writes then invalidate after commit only); the outbox tests give the catalog a broker.</summary>
    protected virtual bool UseMessaging => false;

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>
    /// The consumer declares its queue and bindings in the background after start; the relay publishes without
    /// "mandatory", so an event relayed before the bindings exist is dropped by the broker as unroutable. Tests that
    /// count consumed events must not start before the consumer listens.
    /// </summary>
    private async Task WaitForCacheInvalidationConsumerAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(await Data.RabbitMqConnectionStringAsync()) };
        await using var connection = await factory.CreateConnectionAsync(ct);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(120);   // hang guard: a cold broker on a busy machine
        while (true)
        {
            // A passive declare of a missing queue closes the channel: a fresh channel per try.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            try
            {
                if ((await channel.QueueDeclarePassiveAsync(Mesh.Catalog.Changes.CacheInvalidationConsumer.Queue, ct)).ConsumerCount > 0) return;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException) { /* not declared yet */ }
            if (DateTime.UtcNow > until) throw new TimeoutException("the catalog's cache-invalidation consumer did not start listening");
            await Task.Delay(100, ct);
        }
    }

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await Data.PostgresConnectionStringAsync();
        var builder = InProcessService.CreateBuilder(typeof(CatalogApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:catalogdb"] = ConnectionString,
            ["ConnectionStrings:cache"] = await Data.RedisConnectionStringAsync(),
            ["Catalog:RedisKeyPrefix"] = Data.RedisKeyPrefix,
            ["Catalog:SeedDemoData"] = SeedDemoData ? "true" : "false",
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        if (UseMessaging)
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:messaging"] = await Data.RabbitMqConnectionStringAsync(),
                ["Mesh:Outbox:PollInterval"] = "00:00:00.100",
            });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.AddCatalog();
        builder.Services.AddGrpc(o => o.EnableDetailedErrors = true);
        _catalog = builder.Build();
        await _catalog.MigrateCatalogDatabaseAsync();
        _catalog.MapCatalog();
        _catalog.MapDefaultEndpoints();
        await _catalog.StartAsync(TestContext.Current.CancellationToken);
        if (UseMessaging) await WaitForCacheInvalidationConsumerAsync();
        var endpoints = _catalog.Services.GetRequiredService<ServiceEndpoints>();
        Channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
        Client = new Mesh.Catalog.V1.Catalog.CatalogClient(Channel);

        var gatewayBuilder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GatewayExtensions).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        gatewayBuilder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:catalog:http:0"] = endpoints.HttpAddress.ToString(), // the edge forwards REST to the http endpoint
            // The edge checks tokens too (the product REST test writes through it).
            [$"{EdgeAuthOptions.SectionName}:Keys:0:Kid"] = TestTokens.KeyId,
            [$"{EdgeAuthOptions.SectionName}:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        gatewayBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        gatewayBuilder.AddGateway(services => services.Add(Mesh.Catalog.V1.Catalog.Descriptor, "catalog"));
        _gateway = gatewayBuilder.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(TestContext.Current.CancellationToken);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        await using var db = new NpgsqlConnection(ConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("""
            INSERT INTO cities (id, name, country_code, time_zone) VALUES
              ('berlin', 'Berlin', 'DE', 'Europe/Berlin'), ('paris', 'Paris', 'FR', 'Europe/Paris')
            ON CONFLICT DO NOTHING
            """, db);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (_gateway is not null) { await _gateway.StopAsync(CancellationToken.None); await _gateway.DisposeAsync(); }
        if (_catalog is not null) { await _catalog.StopAsync(CancellationToken.None); await _catalog.DisposeAsync(); }
    }
}
