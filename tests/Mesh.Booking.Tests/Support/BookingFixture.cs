using Grpc.Net.Client;
using Mesh.Booking.V1;
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

namespace Mesh.Booking.Tests.Support;

/// <summary>
/// For one test class: a fake of the catalog's gRPC contract (<see cref="FakeCatalog"/>), the booking service
/// in-process against its own real PostgreSQL database with a clock the test moves, and the real gateway in front,
/// all on free loopback ports. Tokens come from <see cref="Tokens"/>, whose public key booking and the gateway trust.
/// </summary>
public class BookingFixture(TestServers servers) : IAsyncLifetime
{
    public const int MaxActiveHolds = 3;

    private WebApplication _catalog = null!;
    private WebApplication _booking = null!;
    private WebApplication _gateway = null!;

    public TestTokens Tokens { get; } = new();
    public IsolatedData Data { get; } = new(servers);
    public FakeCatalog Catalog { get; } = new();
    public SettableClock Clock { get; } = new();
    public Uri GatewayAddress { get; private set; } = null!;
    public GrpcChannel Channel { get; private set; } = null!;
    public Mesh.Booking.V1.Booking.BookingClient Client { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";

    public Metadata As(string user) => Tokens.As(user, "customer");

    /// <summary>The booking service's own services (its endpoints, to call its REST routes without the edge).</summary>
    public IServiceProvider Services => _booking.Services;

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A show starting in two days (by the booking clock) with <paramref name="seats"/> seats.</summary>
    public (string ShowId, IReadOnlyList<string> SeatIds) AddShow(int seats = 20) => Catalog.AddShow(seats, Clock.GetUtcNow().UtcDateTime.AddDays(2));

    /// <summary>A bookable service with <paramref name="capacity"/> places per slot, and the start of one of its slots two days ahead.</summary>
    public (string ServiceId, DateTime SlotStart) AddService(int capacity, int days = 2, int hour = FakeCatalog.FirstSlotHour + 1) =>
        (Catalog.AddService(capacity), FakeCatalog.SlotStart(Clock.GetUtcNow().UtcDateTime, days, hour));

    /// <summary>Booking's sweeper, to sweep on the test's clock instead of waiting for its timer.</summary>
    public ExpiredClaimSweeper Sweeper => _booking.Services.GetServices<IHostedService>().OfType<ExpiredClaimSweeper>().Single();

    /// <summary>Booking's WatchHold bookkeeping (how many watch loops run).</summary>
    public HoldChanges HoldChanges => _booking.Services.GetRequiredService<HoldChanges>();

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var catalogBuilder = InProcessService.CreateBuilder(null, new Dictionary<string, string?>
        {
        });
        catalogBuilder.AddServiceDefaults();
        catalogBuilder.Services.AddSingleton(Catalog);
        _catalog = catalogBuilder.Build();
        _catalog.MapGrpcService<FakeCatalog>();
        await _catalog.StartAsync(ct);
        var catalogAddress = _catalog.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

        // A bounded pool that waits long: 500 concurrent holds queue for connections instead of failing.
        ConnectionString = await Data.PostgresConnectionStringAsync() + ";Maximum Pool Size=30;Timeout=60";
        var builder = InProcessService.CreateBuilder(typeof(BookingApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:bookingdb"] = ConnectionString,
            ["services:catalog:grpc:0"] = catalogAddress.ToString(),
            ["Booking:MaxActiveHoldsPerUser"] = MaxActiveHolds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mesh:Auth:Keys:0:Kid"] = "test",
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.AddServiceDefaults();
        builder.AddBooking();
        builder.Services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.EnableDetailedErrors = true);
        _booking = builder.Build();
        await _booking.MigrateBookingDatabaseAsync();
        _booking.MapBooking();
        _booking.MapDefaultEndpoints();
        await _booking.StartAsync(ct);
        var endpoints = _booking.Services.GetRequiredService<ServiceEndpoints>();
        Channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
        Client = new Mesh.Booking.V1.Booking.BookingClient(Channel);

        var gatewayBuilder = InProcessService.CreateBuilder(typeof(GatewayExtensions), new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:booking:http:0"] = endpoints.HttpAddress.ToString(), // the edge forwards REST to the http endpoint
            ["Gateway:Auth:Keys:0:Kid"] = "test",
            ["Gateway:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        gatewayBuilder.AddGateway(services => services.Add(Mesh.Booking.V1.Booking.Descriptor, "booking"));
        _gateway = gatewayBuilder.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(ct);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        foreach (var app in new[] { _gateway, _booking, _catalog })
            if (app is not null) { await app.StopAsync(CancellationToken.None); await app.DisposeAsync(); }
    }
}
