using Grpc.Net.Client;
using Mesh.Payment.Provider;
using Mesh.Payment.V1;
using Mesh.Payment.Workers;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RabbitMQ.Client;

namespace Mesh.Payment.Tests.Support;

/// <summary>A signed-in caller of the payment service.</summary>
public sealed record TestCaller(Guid Id, Metadata Bearer)
{
    public Metadata WithKey(string key) => new() { { "authorization", Bearer.GetValue("authorization")! }, { "idempotency-key", key } };
}

/// <summary>
/// The payment service in-process (its own database, the simulated provider, tokens from <see cref="TestTokens"/>) on
/// free loopback ports, for one test class, on a clock the tests move (<see cref="Clock"/>). No outbox relay runs here: the outbox tests drive relays themselves, and
/// the maintenance worker's timer is an hour so tests run its rounds by hand (<see cref="Maintenance"/>, and
/// <see cref="BillAsync"/> for a billing round through the queue). The provider's records live in the same database.
/// </summary>
public class PaymentFixture(TestServers servers) : IAsyncLifetime
{
    private WebApplication _app = null!;
    private WebApplication? _gateway;

    /// <summary>Also start the real gateway in front (REST routes from the proto's google.api.http rules).</summary>
    protected virtual bool WithGateway => false;
    public Uri GatewayAddress { get; private set; } = null!;

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    public IsolatedData Data { get; } = new(servers);
    public ManualClock Clock { get; } = new();
    public TestTokens Tokens { get; } = new();

    /// <summary>The fingerprint key these tests configure (not the development default), so a test can recompute one.</summary>
    public const string CardFingerprintKey = "payment-tests-card-fingerprint-key";
    public GrpcChannel Channel { get; private set; } = null!;
    public Payments.PaymentsClient Client { get; private set; } = null!;
    public SimulatedProvider Provider => (SimulatedProvider)_app.Services.GetRequiredService<IPaymentProvider>();
    public PaymentMaintenance Maintenance => _app.Services.GetRequiredService<PaymentMaintenance>();
    public NpgsqlDataSource Database => _app.Services.GetRequiredService<NpgsqlDataSource>();
    public IServiceProvider Services => _app.Services;

    public TestCaller NewCaller(params string[] roles)
    {
        var id = Guid.NewGuid();
        return new TestCaller(id, new Metadata { { "authorization", $"Bearer {Tokens.Issue(id, roles)}" } });
    }

    /// <summary>A staff member who may refund any user's payment (CreateRefund is staff-only).</summary>
    public TestCaller NewSupportAgent() => NewCaller("support_agent");

    public async ValueTask InitializeAsync()
    {
        await StartServiceAsync();
        if (WithGateway) await StartGatewayAsync();
    }

    /// <summary>Stops the payment service and starts a new one on the same database (a restart: nothing in memory survives).</summary>
    public async Task RestartAsync()
    {
        Channel.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        await StartServiceAsync();
    }

    /// <summary>
    /// One billing round through RabbitMQ, as production runs it: the maintenance round enqueues due charges (outbox),
    /// a relay publishes them, the service's consumer charges; returns when no charge task is left enqueued.
    /// </summary>
    public async Task BillAsync()
    {
        await Maintenance.RunOnceAsync(TestContext.Current.CancellationToken);
        await ChargeEnqueuedAsync();
    }

    /// <summary>
    /// A billing round that only schedules and charges — it does NOT settle PROCESSING payments first, as
    /// <see cref="BillAsync"/>'s maintenance round does — to see what billing does while a payment's outcome is unknown.
    /// </summary>
    public async Task ScheduleWithoutSettlingAsync()
    {
        await Services.GetRequiredService<Mesh.Payment.Subscriptions.SubscriptionBilling>().EnqueueDueAsync(TestContext.Current.CancellationToken);
        await Services.GetRequiredService<Mesh.Payment.Instalments.InstalmentBilling>().EnqueueDueAsync(TestContext.Current.CancellationToken);
        await ChargeEnqueuedAsync();
    }

    private async Task ChargeEnqueuedAsync()
    {
        await PublishOutboxAsync(Mesh.Payment.Subscriptions.RecurringChargeRequested.Queue, Mesh.Payment.Subscriptions.RecurringChargeRequested.Type);
        await WaitUntilAsync(async () => await LedgerQueries.CountAsync(Database, "SELECT count(*) FROM charge_tasks WHERE status = 'enqueued'") == 0);
    }

    /// <summary>
    /// Rewrites the provider's record of a charge as declined: as if the provider had declined it while its answer was
    /// lost (the timeout card always captures).
    /// </summary>
    public async Task DeclineAtProviderAsync(string paymentId)
    {
        await using var connection = await Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await Dapper.SqlMapper.ExecuteAsync(connection,
            "UPDATE sandbox_provider.charges SET state = 'Declined', decline_code = 'card_declined' WHERE reference = @paymentId", new { paymentId });
    }

    /// <summary>Publishes every unsent outbox row (declaring <paramref name="queue"/> first, as its consumer does, so nothing is unroutable).</summary>
    public async Task PublishOutboxAsync(string queue, string binding)
    {
        await DeclareQueueAsync(queue, binding);
        await using var relay = new Mesh.ServiceDefaults.Messaging.OutboxRelay(Database,
            new Mesh.ServiceDefaults.Messaging.OutboxRelayOptions { ConnectionString = await Data.RabbitMqConnectionStringAsync() },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Mesh.ServiceDefaults.Messaging.OutboxRelay>.Instance);
        await relay.PublishPendingAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Declares a consumer's queue and binding the way InboxConsumer does (idempotent).</summary>
    public async Task DeclareQueueAsync(string queue, string binding)
    {
        var ct = TestContext.Current.CancellationToken;
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(await Data.RabbitMqConnectionStringAsync()) };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.ExchangeDeclareAsync(Mesh.ServiceDefaults.Messaging.MessagingNames.DefaultExchange, RabbitMQ.Client.ExchangeType.Topic, durable: true, cancellationToken: ct);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
        await channel.QueueBindAsync(queue, Mesh.ServiceDefaults.Messaging.MessagingNames.DefaultExchange, binding, cancellationToken: ct);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; a 60 s hang guard, not a timing assertion.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        while (!await condition()) await Task.Delay(50, guard.Token);
    }

    private async Task StartServiceAsync()
    {
        var builder = InProcessService.CreateBuilder(typeof(PaymentsApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:paymentdb"] = await Data.PostgresConnectionStringAsync(),
            ["ConnectionStrings:messaging"] = await Data.RabbitMqConnectionStringAsync(), // refund tasks consume from it
            ["Payment:MaintenanceInterval"] = "01:00:00",
            ["Payment:CardFingerprintKey"] = CardFingerprintKey,
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.AddServiceDefaults();
        builder.AddPayment();
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.Services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.EnableDetailedErrors = true);
        _app = builder.Build();
        await _app.MigratePaymentDatabaseAsync();
        _app.MapGrpcService<PaymentsApi>();
        _app.MapDefaultEndpoints();
        await _app.StartAsync(TestContext.Current.CancellationToken);
        Channel = GrpcChannel.ForAddress(_app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress);
        Client = new Payments.PaymentsClient(Channel);
    }

    private async Task StartGatewayAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GatewayExtensions).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:payment:http:0"] = _app.Services.GetRequiredService<ServiceEndpoints>().HttpAddress.ToString(), // the edge forwards REST here
            ["Gateway:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Gateway:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddGateway(services => services.Add(Payments.Descriptor, "payment"));
        _gateway = builder.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(TestContext.Current.CancellationToken);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>Saves a card for the caller and returns its id.</summary>
    public async Task<string> AddCardAsync(TestCaller caller, string number = TestCards.Visa)
    {
        var method = await Client.CreatePaymentMethodAsync(new CreatePaymentMethodRequest
        {
            CardNumber = number, ExpMonth = 12, ExpYear = Clock.GetUtcNow().Year + 2, Cvc = "123", // valid on the test clock, which tests move by years
        }, caller.Bearer, cancellationToken: TestContext.Current.CancellationToken);
        return method.Id;
    }

    /// <summary>The provider token of a saved card (to change how the card behaves at the simulated provider).</summary>
    public async Task<string> TokenOfAsync(string card)
    {
        await using var connection = await Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection, "SELECT provider_token FROM payment_methods WHERE id = @id", new { id = Guid.Parse(card) }) ?? "";
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (_gateway is not null) { await _gateway.StopAsync(CancellationToken.None); await _gateway.DisposeAsync(); }
        if (_app is not null) { await _app.StopAsync(CancellationToken.None); await _app.DisposeAsync(); }
    }
}
