using System.Collections.Concurrent;
using Dapper;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Mesh.Booking.Tests.Support;
using Mesh.Gateway.Policy;
using Mesh.Payment.V1;
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

namespace Mesh.Booking.Tests.Bookings;

/// <summary>A signed-in customer with a saved card at the (real) payment service.</summary>
public sealed class Customer(string id, string cardId, TestTokens tokens, string[] roles)
{
    public string Id => id;
    public string CardId => cardId;

    /// <summary>A fresh token per call, issued by the booking clock, so moving that clock never expires it.</summary>
    public Metadata Bearer => tokens.As(id, roles);

    public Metadata WithKey(string key) => new() { { "authorization", Bearer.GetValue("authorization")! }, { "idempotency-key", key } };
}

/// <summary>
/// For one test class: the catalog fake, the REAL payment service in-process (its own database, the simulated
/// provider, its outbox relay and task consumers), booking in-process (its own database, outbox relay, recovery worker,
/// payment-event consumer) on a clock the test moves, and the real gateway in front — all on loopback, sharing one
/// RabbitMQ vhost. Payment can be stopped and started again on the same port (payment down during checkout).
/// </summary>
public class CheckoutFixture : IAsyncLifetime
{
    private readonly TestServers _servers;

    public CheckoutFixture(TestServers servers)
    {
        _servers = servers;
        BookingData = new(servers);
        PaymentData = new(servers);
        Clock = new SettableClock();
        Tokens = new TestTokens { Clock = Clock };
    }

    /// <summary>Booking asks payment (queue task) to settle a checkout pending this long (booking clock).</summary>
    public static readonly TimeSpan ChargeTaskAfter = TimeSpan.FromSeconds(5);

    private WebApplication _catalog = null!;
    private WebApplication? _payment;
    private WebApplication _booking = null!;
    private WebApplication _gateway = null!;
    private int _paymentPort;

    public TestTokens Tokens { get; }
    public IsolatedData BookingData { get; }
    public IsolatedData PaymentData { get; }
    public TestServers Servers => _servers;
    public FakeCatalog Catalog { get; } = new();
    public SettableClock Clock { get; }
    public Uri GatewayAddress { get; private set; } = null!;
    public Uri CatalogAddress { get; private set; } = null!;
    public Uri PaymentAddress => new($"http://127.0.0.1:{_paymentPort}");
    public GrpcChannel Channel { get; private set; } = null!;
    public Mesh.Booking.V1.Booking.BookingClient Client { get; private set; } = null!;
    public GrpcChannel PaymentChannel { get; private set; } = null!;
    public Payments.PaymentsClient Payment { get; private set; } = null!;
    public string BookingDb { get; private set; } = "";
    public string PaymentDb { get; private set; } = "";
    public string Messaging { get; private set; } = "";
    public IServiceProvider BookingServices => _booking.Services;
    public Mesh.Payment.Provider.SimulatedProvider Provider => (Mesh.Payment.Provider.SimulatedProvider)_payment!.Services.GetRequiredService<Mesh.Payment.Provider.IPaymentProvider>();

    /// <summary>false: no booking in-process (a test runs booking as a real process against this fixture's catalog, payment and broker).</summary>
    protected virtual bool HostBooking => true;

    /// <summary>How long booking gives payment to answer a charge (Booking:PaymentCallTimeout).</summary>
    protected virtual TimeSpan PaymentCallTimeout => TimeSpan.FromSeconds(5);

    /// <summary>The deadline of every CreatePayment call payment received, by its idempotency key (a booking's charge: the booking id).</summary>
    public ConcurrentDictionary<string, DateTime> PaymentCallDeadlines { get; } = new();

    /// <summary>More for booking's host before it is composed (a test class adds settings or a log capture).</summary>
    protected virtual Task ConfigureBookingAsync(WebApplicationBuilder builder) => Task.CompletedTask;

    /// <summary>The broker address booking itself uses (a test class may route it through something it can break).</summary>
    protected virtual Task<string> BookingMessagingAsync(string messaging) => Task.FromResult(messaging);

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A show starting in <paramref name="startsIn"/> (default two days, by the booking clock).</summary>
    public (string ShowId, IReadOnlyList<string> SeatIds) AddShow(int seats = 20, TimeSpan? startsIn = null) =>
        Catalog.AddShow(seats, Clock.GetUtcNow().UtcDateTime + (startsIn ?? TimeSpan.FromDays(2)));

    /// <summary>A new user (a uuid, as payment requires) with a card saved at payment.</summary>
    public async Task<Customer> NewCustomerAsync(string card = Mesh.Payment.Provider.TestCards.Visa, params string[] roles)
    {
        var customer = new Customer(Guid.NewGuid().ToString(), "", Tokens, roles.Length == 0 ? ["customer"] : roles);
        var bearer = customer.Bearer;
        var method = await Payment.CreatePaymentMethodAsync(new CreatePaymentMethodRequest
        {
            CardNumber = card, ExpMonth = 12, ExpYear = DateTime.UtcNow.Year + 2, Cvc = "123",
        }, bearer, cancellationToken: TestContext.Current.CancellationToken);
        return new Customer(customer.Id, method.Id, Tokens, roles.Length == 0 ? ["customer"] : roles);
    }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _catalog = BuildCatalog();
        await _catalog.StartAsync(ct);
        CatalogAddress = _catalog.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

        BookingDb = await BookingData.PostgresConnectionStringAsync() + ";Maximum Pool Size=30;Timeout=60";
        PaymentDb = await PaymentData.PostgresConnectionStringAsync();
        Messaging = await BookingData.RabbitMqConnectionStringAsync();

        await StartPaymentAsync();
        PaymentChannel = GrpcChannel.ForAddress(PaymentAddress);
        Payment = new Payments.PaymentsClient(PaymentChannel);
        if (!HostBooking) return;

        var builder = InProcessService.CreateBuilder(typeof(BookingApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:bookingdb"] = BookingDb,
            ["ConnectionStrings:messaging"] = await BookingMessagingAsync(Messaging),
            ["services:catalog:grpc:0"] = CatalogAddress.ToString(),
            ["services:payment:grpc:0"] = PaymentAddress.ToString(),
            ["Booking:RecoveryInterval"] = "00:00:00.2",
            ["Booking:ChargeTaskAfter"] = ChargeTaskAfter.ToString(),
            ["Booking:PaymentCallTimeout"] = PaymentCallTimeout.ToString(),
            ["Mesh:Outbox:PollInterval"] = "00:00:00.1",
            ["Mesh:Outbox:MaxBackoff"] = "00:00:01",
            ["Mesh:Auth:Keys:0:Kid"] = "test",
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.Services.AddSingleton<TimeProvider>(Clock);
        await ConfigureBookingAsync(builder);
        builder.AddServiceDefaults();
        builder.AddBooking();
        builder.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Booking.Bookings.BookingMessages.PaymentTaskQueues);   // as Program.cs
        builder.Services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.EnableDetailedErrors = true);
        _booking = builder.Build();
        await _booking.MigrateBookingDatabaseAsync();
        _booking.MapBooking();
        _booking.MapDefaultEndpoints();
        await _booking.StartAsync(ct);
        var endpoints = _booking.Services.GetRequiredService<ServiceEndpoints>();
        Channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
        Client = new Mesh.Booking.V1.Booking.BookingClient(Channel);

        _gateway = BuildGateway(endpoints.HttpAddress);
        await _gateway.StartAsync(ct);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>Starts payment (again) — on the port it had before, so booking's configured address reaches it.</summary>
    public async Task StartPaymentAsync()
    {
        var builder = InProcessService.CreateBuilder(typeof(Mesh.Payment.PaymentsApi), new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = _paymentPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ConnectionStrings:paymentdb"] = PaymentDb,
            ["ConnectionStrings:messaging"] = Messaging,
            ["Payment:MaintenanceInterval"] = "01:00:00",
            ["Mesh:Outbox:PollInterval"] = "00:00:00.1",
            ["Mesh:Auth:Keys:0:Kid"] = "test",
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.AddServiceDefaults();
        builder.AddPayment();
        builder.Services.AddSingleton(new PaymentCallRecorder(PaymentCallDeadlines));
        builder.Services.AddGrpc(o => o.Interceptors.Add<PaymentCallRecorder>());
        builder.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Payment.Subscriptions.RecurringChargeRequested.Queues);   // as payment's Program.cs
        _payment = builder.Build();
        await _payment.MigratePaymentDatabaseAsync();
        _payment.MapGrpcService<Mesh.Payment.PaymentsApi>();
        _payment.MapDefaultEndpoints();
        await _payment.StartAsync(TestContext.Current.CancellationToken);
        _paymentPort = _payment.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress.Port;
    }

    /// <summary>Stops payment: its port refuses connections until <see cref="StartPaymentAsync"/>.</summary>
    public async Task StopPaymentAsync()
    {
        if (_payment is null) return;
        await _payment.StopAsync(CancellationToken.None);
        await _payment.DisposeAsync();
        _payment = null;
    }

    private WebApplication BuildCatalog()
    {
        var builder = InProcessService.CreateBuilder(null, new Dictionary<string, string?>
        {
        });
        builder.AddServiceDefaults();
        builder.Services.AddSingleton(Catalog);
        var app = builder.Build();
        app.MapGrpcService<FakeCatalog>();
        return app;
    }

    private WebApplication BuildGateway(Uri booking)
    {
        var builder = InProcessService.CreateBuilder(typeof(GatewayExtensions), new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:booking:http:0"] = booking.ToString(), // the edge forwards REST to the http endpoint
            ["Gateway:Auth:Keys:0:Kid"] = "test",
            ["Gateway:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.AddGateway(services => services.Add(Mesh.Booking.V1.Booking.Descriptor, "booking"));
        var app = builder.Build();
        app.MapGateway();
        return app;
    }

    public async Task<T> BookingScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(BookingDb);
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"No value: {sql}");
    }

    public async Task<T> PaymentScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(PaymentDb);
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"No value: {sql}");
    }

    /// <summary>Payments made for a booking (payment's description names it) and what they hold net of refunds.</summary>
    public async Task<(long Count, long Captured, long Refunded)> PaymentsForAsync(string bookingId)
    {
        await using var connection = new NpgsqlConnection(PaymentDb);
        return await connection.QuerySingleAsync<(long, long, long)>(
            "SELECT count(*), coalesce(sum(amount_captured), 0)::bigint, coalesce(sum(amount_refunded), 0)::bigint FROM payments WHERE description = @d",
            new { d = $"Booking {bookingId}" });
    }

    public virtual async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        PaymentChannel?.Dispose();
        foreach (var app in new WebApplication?[] { _gateway, _booking, _payment, _catalog })
            if (app is not null) { await app.StopAsync(CancellationToken.None); await app.DisposeAsync(); }
    }
}

/// <summary>Records the deadline payment sees on each CreatePayment call, by its idempotency key.</summary>
public sealed class PaymentCallRecorder(ConcurrentDictionary<string, DateTime> deadlines) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (request is CreatePaymentRequest && context.RequestHeaders.GetValue("idempotency-key") is { } key) deadlines[key] = context.Deadline;
        return continuation(request, context);
    }
}
