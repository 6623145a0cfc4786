using Dapper;
using Grpc.Net.Client;
using Mesh.Notification.Broadcasts;
using Mesh.Notification.Delivery;
using Mesh.Notification.Events;
using Mesh.Notification.Reminders;
using Mesh.Notification.Workers;
using Mesh.ServiceDefaults.Hosting;
using Mesh.ServiceDefaults.Messaging;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RabbitMQ.Client;
using NotificationsClient = Mesh.Notification.V1.Notifications.NotificationsClient;

namespace Mesh.Notification.Tests.Support;

/// <summary>A signed-in caller: a fresh token per use (on the test clock).</summary>
public sealed class TestCaller(Guid id, string[] roles, TestTokens tokens)
{
    public Guid Id { get; } = id;
    public string Token => tokens.Mint(Id.ToString(), roles);
    public Metadata Bearer => new() { { "authorization", $"Bearer {Token}" } };
}

/// <summary>
/// For one test class: the notification service in-process as its Program.cs composes it (its own database and
/// RabbitMQ vhost, the outbox relay for broadcast batches), on a clock the tests move, with the timed rounds off (the
/// tests run delivery and reminder rounds by hand), and the real gateway in front. Events reach it the way producers'
/// relays send them: published on mesh.events with a message id and the type as routing key.
/// </summary>
public sealed class NotificationFixture(TestServers servers) : IAsyncLifetime
{
    private WebApplication? _service;
    private WebApplication? _gateway;
    private IConnection? _broker;
    private IChannel? _publish;

    public IsolatedData Data { get; } = new(servers);
    public ManualClock Clock { get; } = new();
    public TestTokens Tokens { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;
    public GrpcChannel Channel { get; private set; } = null!;
    public NotificationsClient Client { get; private set; } = null!;
    public Uri GatewayAddress { get; private set; } = null!;
    public IServiceProvider Services => _service!.Services;

    /// <summary>Users per broadcast batch in this fixture.</summary>
    public int BroadcastBatchSize { get; init; } = 300;

    public SandboxProvider Sandbox => Services.GetRequiredService<SandboxProvider>();
    public DeliveryRound Deliveries => Services.GetRequiredService<DeliveryRound>();
    public ReminderStore Reminders => Services.GetRequiredService<ReminderStore>();
    public NotificationOptions Options => Services.GetRequiredService<NotificationOptions>();

    public TestCaller Customer() => new(Guid.NewGuid(), ["customer"], Tokens);
    public TestCaller Admin() => new(Guid.NewGuid(), ["admin"], Tokens);

    public HttpClient Rest(TestCaller? caller)
    {
        var http = new HttpClient { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (caller is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", caller.Token);
        return http;
    }

    public async ValueTask InitializeAsync()
    {
        Tokens = new TestTokens { Clock = Clock };
        Database = NpgsqlDataSource.Create(await Data.PostgresConnectionStringAsync());
        var factory = new ConnectionFactory { Uri = new Uri(await Data.RabbitMqConnectionStringAsync()) };
        _broker = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        _publish = await _broker.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        // The event queue exists before the service first runs (as it would on a running broker), so nothing the
        // tests publish is dropped while the consumer is still starting.
        await _publish.ExchangeDeclareAsync(MessagingNames.DefaultExchange, ExchangeType.Topic, durable: true);
        await _publish.QueueDeclareAsync(EventConsumer.Queue, durable: true, exclusive: false, autoDelete: false);
        foreach (var type in EventTypes.All) await _publish.QueueBindAsync(EventConsumer.Queue, MessagingNames.DefaultExchange, type);
        await StartServiceAsync();
        await StartGatewayAsync();
    }

    /// <summary>Stops the service the way a crash or a deploy would, and starts a new one on the same database and queues.</summary>
    public async Task RestartServiceAsync()
    {
        Channel.Dispose();
        await _service!.StopAsync(CancellationToken.None);
        await _service.DisposeAsync();
        await StartServiceAsync();
    }

    private async Task StartServiceAsync()
    {
        var builder = InProcessService.CreateBuilder(typeof(NotificationApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:notificationdb"] = await Data.PostgresConnectionStringAsync(),
            ["ConnectionStrings:messaging"] = await Data.RabbitMqConnectionStringAsync(),
            ["Notification:RunWorkers"] = "false",
            ["Notification:BroadcastBatchSize"] = BroadcastBatchSize.ToString(),
            ["Mesh:Outbox:PollInterval"] = "00:00:00.05",
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.AddServiceDefaults();
        builder.AddNotification();
        builder.AddOutboxRelay("messaging", relay => relay.Queues = BroadcastBatch.Queues);
        builder.Services.AddSingleton<TimeProvider>(Clock);
        var app = builder.Build();
        await app.MigrateNotificationDatabaseAsync();
        app.MapNotification();
        app.MapDefaultEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        _service = app;
        Channel = GrpcChannel.ForAddress(app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress);
        Client = new NotificationsClient(Channel);
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
            ["services:notification:http:0"] = Services.GetRequiredService<ServiceEndpoints>().HttpAddress.ToString(),
            ["Gateway:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Gateway:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddGateway(services => services.Add(V1.Notifications.Descriptor, "notification"));
        _gateway = builder.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(TestContext.Current.CancellationToken);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>Publishes a producer's outbox message as its relay does (persistent, confirmed, message id = the row's id).</summary>
    public async Task PublishAsync(OutboxMessage message)
    {
        var properties = new BasicProperties { MessageId = message.Id.ToString(), Type = message.Type, ContentType = message.ContentType, Persistent = true };
        await _publish!.BasicPublishAsync(MessagingNames.DefaultExchange, message.Type, mandatory: false, properties, message.Body);
    }

    /// <summary>Publishes and waits until the event consumer has committed it.</summary>
    public async Task DeliverAsync(OutboxMessage message)
    {
        await PublishAsync(message);
        await WaitUntilAsync(() => HandledAsync(message.Id));
    }

    /// <summary>Sets a user's preferences through the API.</summary>
    public Task<V1.NotificationPreferences> PreferAsync(TestCaller user, V1.NotificationPreferences preferences, params string[] paths)
    {
        var request = new V1.UpdateNotificationPreferencesRequest { Preferences = preferences, UpdateMask = new Google.Protobuf.WellKnownTypes.FieldMask() };
        request.UpdateMask.Paths.Add(paths);
        return Client.UpdateNotificationPreferencesAsync(request, user.Bearer).ResponseAsync;
    }

    /// <summary>Whether the event consumer has handled (committed) message <paramref name="id"/>.</summary>
    public async Task<bool> HandledAsync(Guid id, string queue = EventConsumer.Queue) =>
        await ScalarAsync<long>("SELECT count(*) FROM mesh_inbox WHERE consumer = @queue AND message_id = @id", new { queue, id }) == 1;

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = await Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await connection.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("No value.");
    }

    public async Task ExecuteAsync(string sql, object? args = null)
    {
        await using var connection = await Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await connection.ExecuteAsync(sql, args);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; a 5 min hang guard (CI machines are small and busy), not a timing assertion.</summary>
    public static Task WaitUntilAsync(Func<Task<bool>> condition) => WaitUntilAsync(condition, describe: null);

    /// <summary>
    /// As <see cref="WaitUntilAsync(Func{Task{bool}})"/>; when the guard runs out, the <see cref="TimeoutException"/>
    /// carries what <paramref name="describe"/> reads at that moment (so a CI log says where the flow stopped).
    /// </summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<Task<string>>? describe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"Condition not met within 5 minutes. {(describe is null ? "" : await describe())}");
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// The batches of <paramref name="broadcast"/> the batch consumer has committed (its inbox rows, matched to their
    /// outbox rows by the broadcast id in the body): other broadcasts of the same fixture share that inbox.
    /// </summary>
    public Task<long> BroadcastBatchesCommittedAsync(Guid broadcast) => ScalarAsync<long>("""
        SELECT count(*) FROM mesh_inbox i JOIN mesh_outbox o ON o.id = i.message_id
        WHERE i.consumer = @Queue AND convert_from(o.body, 'UTF8') LIKE '%' || @broadcast || '%'
        """, new { BroadcastBatch.Queue, broadcast = broadcast.ToString() });

    /// <summary>
    /// Where a broadcast's batches are: its notifications, its batch rows in the outbox (sent or not), the batches the
    /// consumer committed, and the batch queue with its retry and dead-letter queues (shared by every broadcast).
    /// </summary>
    public async Task<string> DescribeBroadcastAsync(Guid broadcast)
    {
        var notifications = await ScalarAsync<long>("SELECT count(*) FROM notifications WHERE event_id = @broadcast", new { broadcast });
        var outbox = await ScalarAsync<string>("""
            SELECT format('%s batch rows in the outbox, %s unsent', count(*), count(*) FILTER (WHERE sent_at IS NULL))
            FROM mesh_outbox WHERE type = @Type AND convert_from(body, 'UTF8') LIKE '%' || @broadcast || '%'
            """, new { BroadcastBatch.Type, broadcast = broadcast.ToString() });
        var committed = await BroadcastBatchesCommittedAsync(broadcast);
        var queues = new List<string>();
        foreach (var queue in new[] { BroadcastBatch.Queue, $"{BroadcastBatch.Queue}.retry", $"{BroadcastBatch.Queue}.dlq" })
        {
            await using var channel = await _broker!.CreateChannelAsync();
            try { queues.Add($"{queue}: {(await channel.QueueDeclarePassiveAsync(queue)).MessageCount} ready"); }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException) { queues.Add($"{queue}: not declared"); }
        }
        return $"Broadcast {broadcast}: {notifications} notifications; {outbox}; {committed} batches committed by the consumer; {string.Join("; ", queues)}.";
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        if (_service is not null) { Channel.Dispose(); await _service.StopAsync(CancellationToken.None); await _service.DisposeAsync(); }
        if (_publish is not null) await _publish.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
        if (Database is not null) await Database.DisposeAsync();
    }
}
