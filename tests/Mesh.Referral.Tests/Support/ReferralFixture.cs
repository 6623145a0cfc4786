using System.Net;
using System.Net.Sockets;
using Dapper;
using Grpc.Net.Client;
using Mesh.Booking.Tests.Bookings;
using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;
using Mesh.Gateway.Policy;
using Mesh.Payment.V1;
using Mesh.Referral;
using Mesh.Referral.Workers;
using Mesh.Referral.V1;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Mesh.Servers.Processes;

namespace Mesh.Referral.Tests.Support;

/// <summary>A signed-in customer with a saved card at the (real) payment service.</summary>
public sealed record Customer(string Id, string CardId, TestTokens Tokens, string[] Roles)
{
    /// <summary>A fresh token per call, issued by the test clock, so moving that clock never expires it.</summary>
    public Metadata Bearer => Tokens.As(Id, Roles);
}

/// <summary>
/// For one test class: the catalog fake, the REAL payment, booking and referral services in-process (each its own
/// database; one RabbitMQ vhost carries booking's and payment's events), and the real gateway fronting booking and
/// referral — all on loopback, booking and referral on one clock the test moves. Referral's sweeper runs only when a
/// test calls it (its timer is an hour), so expiry is tested on the clock, never by waiting.
/// </summary>
public class ReferralFixture : IAsyncLifetime
{
    private WebApplication _catalog = null!;
    private WebApplication _users = null!;
    private WebApplication? _payment;
    private WebApplication _booking = null!;
    private WebApplication _referral = null!;
    private WebApplication _gateway = null!;
    private int _paymentPort;
    private readonly int _referralPort = LoopbackPorts.GetFree();

    public ReferralFixture(TestServers servers)
    {
        BookingData = new(servers);
        PaymentData = new(servers);
        ReferralData = new(servers);
        Tokens = new TestTokens { Clock = Clock };
    }

    public SettableClock Clock { get; } = new();
    public TestTokens Tokens { get; }
    public IsolatedData BookingData { get; }
    public IsolatedData PaymentData { get; }
    public IsolatedData ReferralData { get; }
    public FakeCatalog Catalog { get; } = new();
    public FakeUsers Users { get; private set; } = null!;

    /// <summary>Referral:MaxRewardsPerReferrer in this fixture.</summary>
    public const int MaxRewardsPerReferrer = 2;

    /// <summary>Referral:ClaimWindow in this fixture.</summary>
    public static readonly TimeSpan ClaimWindow = TimeSpan.FromDays(7);
    public Uri GatewayAddress { get; private set; } = null!;
    public Mesh.Booking.V1.Booking.BookingClient Booking { get; private set; } = null!;
    public Payments.PaymentsClient Payment { get; private set; } = null!;
    public V1.Referrals.ReferralsClient Referral { get; private set; } = null!;
    public string ReferralDb { get; private set; } = "";
    public string BookingDb { get; private set; } = "";
    private string PaymentDb { get; set; } = "";
    private string Messaging { get; set; } = "";
    private readonly List<GrpcChannel> _channels = [];

    public ExpiredReservationSweeper Sweeper => _referral.Services.GetRequiredService<ExpiredReservationSweeper>();
    public Mesh.Referral.Referrals.ReferralProgram Program => _referral.Services.GetRequiredService<Mesh.Referral.Referrals.ReferralProgram>();
    public Mesh.Booking.Bookings.PendingBookingRecovery BookingRecovery => _booking.Services.GetRequiredService<Mesh.Booking.Bookings.PendingBookingRecovery>();
    public IServiceProvider ReferralServices => _referral.Services;

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    public Metadata Admin => Tokens.As("staff-" + Guid.NewGuid().ToString("N")[..8], "admin");

    /// <summary>A new user (a uuid, as payment requires) with a card saved at payment.</summary>
    public async Task<Customer> NewCustomerAsync(string card = Mesh.Payment.Provider.TestCards.Visa)
    {
        var id = Guid.NewGuid().ToString();
        return new Customer(id, await SaveCardAsync(id, card), Tokens, ["customer"]);
    }

    /// <summary>Saves a card for <paramref name="userId"/> at payment (which announces its fingerprint); returns its id.</summary>
    public async Task<string> SaveCardAsync(string userId, string card)
    {
        var method = await Payment.CreatePaymentMethodAsync(new CreatePaymentMethodRequest
        {
            CardNumber = card, ExpMonth = 12, ExpYear = DateTime.UtcNow.Year + 2, Cvc = "123",
        }, Tokens.As(userId, "customer"), cancellationToken: TestContext.Current.CancellationToken);
        return method.Id;
    }

    /// <summary>Waits until payment_method.saved of <paramref name="userId"/>'s cards has reached referral (card_fingerprints).</summary>
    public Task CardsKnownAsync(string userId, int cards = 1) =>
        Eventually.UntilAsync(() => ReferralScalarAsync<long>("SELECT count(*) FROM card_fingerprints WHERE user_id = @userId", new { userId }),
            n => n >= cards, "payment_method.saved to reach referral");

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var catalogBuilder = InProcessService.CreateBuilder(null, []);
        catalogBuilder.AddServiceDefaults();
        catalogBuilder.Services.AddSingleton(Catalog);
        _catalog = catalogBuilder.Build();
        _catalog.MapGrpcService<FakeCatalog>();
        await _catalog.StartAsync(ct);
        var catalogAddress = _catalog.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

        Users = new FakeUsers(Clock);
        var usersBuilder = InProcessService.CreateBuilder(null, new Dictionary<string, string?>
        {
            ["Mesh:Auth:Keys:0:Kid"] = "test",
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        usersBuilder.AddServiceDefaults();
        usersBuilder.AddTokenValidation();
        usersBuilder.Services.AddSingleton(Users);
        _users = usersBuilder.Build();
        _users.MapGrpcService<FakeUsers>();
        await _users.StartAsync(ct);
        var usersAddress = _users.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

        BookingDb = await BookingData.PostgresConnectionStringAsync() + ";Maximum Pool Size=30;Timeout=60";
        PaymentDb = await PaymentData.PostgresConnectionStringAsync() + ";Maximum Pool Size=30;Timeout=60";
        ReferralDb = await ReferralData.PostgresConnectionStringAsync() + ";Maximum Pool Size=30;Timeout=60";
        Messaging = await BookingData.RabbitMqConnectionStringAsync();

        await StartPaymentAsync();
        Payment = new Payments.PaymentsClient(Channel(new Uri($"http://127.0.0.1:{_paymentPort}")));

        // Booking calls referral (checkout) and referral calls booking (ValidateCoupon): referral's port is chosen first.
        var booking = InProcessService.CreateBuilder(typeof(Mesh.Booking.BookingApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:bookingdb"] = BookingDb,
            ["ConnectionStrings:messaging"] = Messaging,
            ["services:catalog:grpc:0"] = catalogAddress.ToString(),
            ["services:payment:grpc:0"] = $"http://127.0.0.1:{_paymentPort}",
            ["services:referral:grpc:0"] = $"http://127.0.0.1:{_referralPort}",
            ["Booking:MaxActiveHoldsPerUser"] = "1000",
            // A thousand checkouts at once on two shared cores: no call of the saga may be cut short by the default 10 s.
            ["Mesh:Resilience:Deadline"] = "00:02:00",
            ["Booking:RecoveryInterval"] = "00:00:00.2",
            ["Booking:ChargeTaskAfter"] = "00:00:05",
            ["Booking:PaymentCallTimeout"] = "00:00:10",
            ["Mesh:Outbox:PollInterval"] = "00:00:00.1",
            ["Mesh:Outbox:MaxBackoff"] = "00:00:01",
            ["Mesh:Auth:Keys:0:Kid"] = "test",
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        booking.Services.AddSingleton<TimeProvider>(Clock);
        booking.AddServiceDefaults();
        booking.AddBooking();
        booking.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Booking.Bookings.BookingMessages.PaymentTaskQueues);
        _booking = booking.Build();
        await _booking.MigrateBookingDatabaseAsync();
        _booking.MapBooking();
        _booking.MapDefaultEndpoints();
        await _booking.StartAsync(ct);
        var bookingEndpoints = _booking.Services.GetRequiredService<ServiceEndpoints>();
        Booking = new Mesh.Booking.V1.Booking.BookingClient(Channel(bookingEndpoints.GrpcAddress));

        var referral = InProcessService.CreateBuilder(typeof(ReferralsApi), new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = _referralPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ConnectionStrings:referraldb"] = ReferralDb,
            ["ConnectionStrings:messaging"] = Messaging,
            ["services:booking:grpc:0"] = bookingEndpoints.GrpcAddress.ToString(),
            ["services:catalog:grpc:0"] = catalogAddress.ToString(),
            ["services:users:grpc:0"] = usersAddress.ToString(),
            ["Referral:SweepInterval"] = "01:00:00",
            ["Referral:MaxRewardsPerReferrer"] = MaxRewardsPerReferrer.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Referral:ClaimWindow"] = ClaimWindow.ToString(),
            ["Mesh:Outbox:PollInterval"] = "00:00:00.1",
            ["Mesh:Auth:Keys:0:Kid"] = "test",
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        referral.Services.AddSingleton<TimeProvider>(Clock);
        referral.AddServiceDefaults();
        referral.AddReferral();
        referral.AddOutboxRelay("messaging");
        referral.Services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.EnableDetailedErrors = true);
        _referral = referral.Build();
        await _referral.MigrateReferralDatabaseAsync();
        _referral.MapGrpcService<ReferralsApi>();
        _referral.MapDefaultEndpoints();
        await _referral.StartAsync(ct);
        var referralEndpoints = _referral.Services.GetRequiredService<ServiceEndpoints>();
        Referral = new V1.Referrals.ReferralsClient(Channel(referralEndpoints.GrpcAddress));

        var gateway = InProcessService.CreateBuilder(typeof(GatewayExtensions), new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:booking:http:0"] = bookingEndpoints.HttpAddress.ToString(),
            ["services:referral:http:0"] = referralEndpoints.HttpAddress.ToString(),
            ["Gateway:Auth:Keys:0:Kid"] = "test",
            ["Gateway:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        gateway.AddGateway(services => services.Add(Mesh.Booking.V1.Booking.Descriptor, "booking").Add(V1.Referrals.Descriptor, "referral"));
        _gateway = gateway.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(ct);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>Starts payment (again) on the port it had before, so booking's configured address reaches it.</summary>
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
        builder.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Payment.Subscriptions.RecurringChargeRequested.Queues);
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

    public async Task<T> ReferralScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(ReferralDb);
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"No value: {sql}");
    }

    /// <summary>A coupon created by staff, valid from an hour ago for a week (by the test clock).</summary>
    public async Task<Coupon> CreateCouponAsync(Action<Coupon>? configure = null)
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        var coupon = new Coupon
        {
            Code = "C" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant(), Kind = DiscountKind.Percent, PercentOff = 10,
            StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(now.AddHours(-1)),
            EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(now.AddDays(7)), TotalLimit = 100, PerUserLimit = 1,
        };
        configure?.Invoke(coupon);
        return await Referral.CreateCouponAsync(new CreateCouponRequest { Coupon = coupon }, Admin, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>A show starting in two days (test clock).</summary>
    public (string ShowId, IReadOnlyList<string> SeatIds) AddShow(int seats = 20) => Catalog.AddShow(seats, Clock.GetUtcNow().UtcDateTime.AddDays(2));

    public async Task<Hold> HoldAsync(Customer customer, string showId, params string[] seats)
    {
        var request = new CreateHoldRequest { ShowId = showId };
        request.SeatIds.AddRange(seats);
        return await Booking.CreateHoldAsync(request, customer.Bearer, cancellationToken: TestContext.Current.CancellationToken);
    }

    public Task<BookingRecord> CheckoutAsync(Customer customer, Hold hold, string coupon = "", bool optional = false) =>
        Booking.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = customer.CardId, CouponCode = coupon, CouponOptional = optional },
            customer.Bearer, cancellationToken: TestContext.Current.CancellationToken).ResponseAsync;

    /// <summary>(state, count) of every redemption of the coupon.</summary>
    public async Task<Dictionary<string, int>> RedemptionStatesAsync(string couponId)
    {
        await using var connection = new NpgsqlConnection(ReferralDb);
        return (await connection.QueryAsync<(string State, int Count)>(
            "SELECT state, count(*)::int FROM redemptions WHERE coupon_id = @id::uuid GROUP BY state", new { id = couponId })).ToDictionary(r => r.State, r => r.Count);
    }

    private GrpcChannel Channel(Uri address)
    {
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
        _channels.Add(channel);
        return channel;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels) channel.Dispose();
        foreach (var app in new WebApplication?[] { _gateway, _referral, _booking, _payment, _users, _catalog })
            if (app is not null) { await app.StopAsync(CancellationToken.None); await app.DisposeAsync(); }
    }
}
