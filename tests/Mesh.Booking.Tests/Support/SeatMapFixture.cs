using Grpc.Net.Client;
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

namespace Mesh.Booking.Tests.Support;

/// <summary>
/// The REAL catalog (its own database and Redis prefix) and the real booking service, each calling the other over
/// gRPC as in the app host (booking → catalog for prices, catalog → booking for seat status), with the gateway in
/// front of the catalog. Booking runs on the system clock here: the catalog's seat map is what is under test.
/// </summary>
public sealed class SeatMapFixture(TestServers servers) : IAsyncLifetime
{
    private WebApplication _catalog = null!;
    private WebApplication _booking = null!;
    private WebApplication _gateway = null!;
    private GrpcChannel _catalogChannel = null!;
    private GrpcChannel _bookingChannel = null!;

    public TestTokens Tokens { get; } = new();
    public IsolatedData CatalogData { get; } = new(servers);
    public IsolatedData BookingData { get; } = new(servers);
    public string BookingConnectionString { get; private set; } = "";
    public Uri GatewayAddress { get; private set; } = null!;
    public Mesh.Catalog.V1.Catalog.CatalogClient Catalog { get; private set; } = null!;
    public Mesh.Booking.V1.Booking.BookingClient Booking { get; private set; } = null!;

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var catalogBuilder = InProcessService.CreateBuilder(typeof(Mesh.Catalog.CatalogApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:catalogdb"] = await CatalogData.PostgresConnectionStringAsync(),
            ["ConnectionStrings:cache"] = await CatalogData.RedisConnectionStringAsync(),
            ["Catalog:RedisKeyPrefix"] = CatalogData.RedisKeyPrefix,
            ["Catalog:SeedDemoData"] = "false",
            // Booking's address is known only once it runs; set below, before the first seat map is read.
            ["services:booking:grpc:0"] = "http://127.0.0.1:1",
            ["Mesh:Auth:Keys:0:Kid"] = "test",
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        catalogBuilder.AddServiceDefaults();
        catalogBuilder.AddCatalog();
        catalogBuilder.Services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.EnableDetailedErrors = true);
        _catalog = catalogBuilder.Build();
        await _catalog.MigrateCatalogDatabaseAsync();
        _catalog.MapCatalog();
        _catalog.MapDefaultEndpoints();
        await _catalog.StartAsync(ct);
        var catalogAddress = _catalog.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

        BookingConnectionString = await BookingData.PostgresConnectionStringAsync();
        var bookingBuilder = InProcessService.CreateBuilder(typeof(BookingApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:bookingdb"] = BookingConnectionString,
            ["services:catalog:grpc:0"] = catalogAddress.ToString(),
            ["Mesh:Auth:Keys:0:Kid"] = "test",
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        bookingBuilder.AddServiceDefaults();
        bookingBuilder.AddBooking();
        _booking = bookingBuilder.Build();
        await _booking.MigrateBookingDatabaseAsync();
        _booking.MapBooking();
        _booking.MapDefaultEndpoints();
        await _booking.StartAsync(ct);
        var bookingAddress = _booking.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;
        _catalog.Configuration["services:booking:grpc:0"] = bookingAddress.ToString();

        var gatewayBuilder = InProcessService.CreateBuilder(typeof(GatewayExtensions), new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:catalog:http:0"] = _catalog.Services.GetRequiredService<ServiceEndpoints>().HttpAddress.ToString(), // the edge forwards REST here
        });
        gatewayBuilder.AddGateway(services => services.Add(Mesh.Catalog.V1.Catalog.Descriptor, "catalog"));
        _gateway = gatewayBuilder.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(ct);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        _catalogChannel = GrpcChannel.ForAddress(catalogAddress);
        Catalog = new Mesh.Catalog.V1.Catalog.CatalogClient(_catalogChannel);
        _bookingChannel = GrpcChannel.ForAddress(bookingAddress);
        Booking = new Mesh.Booking.V1.Booking.BookingClient(_bookingChannel);

        await using var db = new NpgsqlConnection(await CatalogData.PostgresConnectionStringAsync());
        await db.OpenAsync(ct);
        await using var city = new NpgsqlCommand("INSERT INTO cities (id, name, country_code, time_zone) VALUES ('berlin', 'Berlin', 'DE', 'Europe/Berlin') ON CONFLICT DO NOTHING", db);
        await city.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Stops the booking service (the catalog keeps running): seat status can no longer be asked.</summary>
    public async Task StopBookingAsync()
    {
        await _booking.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        _catalogChannel?.Dispose();
        _bookingChannel?.Dispose();
        foreach (var app in new[] { _gateway, _booking, _catalog })
            if (app is not null) { await app.StopAsync(CancellationToken.None); await app.DisposeAsync(); }
    }
}
