using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Mesh.Analytics.Stream;
using Mesh.Analytics.V1;
using Mesh.ServiceDefaults.Hosting;
using Mesh.ServiceDefaults.Messaging;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using RabbitMQ.Client;

namespace Mesh.Analytics.Tests.Support;

/// <summary>
/// For one test class: analytics in-process as its Program.cs composes it (its own database, the shared Redis under its
/// own prefix, its own RabbitMQ vhost for the stream) on a clock the test moves, and the real gateway in front. The
/// analytics host can be stopped and started again on the same database and broker (a consumer restart).
/// </summary>
public class AnalyticsFixture(TestServers servers) : IAsyncLifetime
{
    public const string Stream = "analytics.events";

    private WebApplication? _analytics;
    private WebApplication _gateway = null!;
    private int _grpcPort;
    private int _httpPort;

    public IsolatedData Data { get; } = new(servers);
    public TestServers Servers => servers;
    public SettableClock Clock { get; } = new();
    public TestTokens Tokens { get; private set; } = null!;
    public string Db { get; private set; } = "";
    public string Messaging { get; private set; } = "";
    public GrpcChannel Channel { get; private set; } = null!;
    public V1.Analytics.AnalyticsClient Client { get; private set; } = null!;
    public Uri GatewayAddress { get; private set; } = null!;
    public Uri GrpcAddress => new($"http://127.0.0.1:{_grpcPort}");

    /// <summary>The running analytics host's services (to run one of its background rounds by hand).</summary>
    public IServiceProvider AnalyticsServices => _analytics?.Services ?? throw new InvalidOperationException("analytics is not running");

    /// <summary>Events per minute per sender over the edge (small, so the rate-limit test needs few batches).</summary>
    public const int EventsPerMinute = 2000;

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    public Metadata Customer(string id) => Tokens.As(id, "customer");
    public Metadata Staff() => Tokens.As(Guid.NewGuid().ToString(), "admin");

    /// <summary>The broker the service uses (a test class may give it a broker of its own).</summary>
    protected virtual Task<string> BrokerAsync() => Data.RabbitMqConnectionStringAsync();

    /// <summary>Settings a test class gives the service on top of these (e.g. a small history cap).</summary>
    protected virtual IReadOnlyDictionary<string, string?> MoreSettings { get; } = new Dictionary<string, string?>();

    public AnalyticsEvent Event(string type, string userId = "", string item = "", string city = "", string device = "", TimeSpan? ago = null) => new()
    {
        Id = Guid.CreateVersion7().ToString(), Type = type, UserId = userId, Item = item, CityId = city, DeviceId = device,
        Time = Timestamp.FromDateTimeOffset(Clock.GetUtcNow() - (ago ?? TimeSpan.FromSeconds(1))),
    };

    /// <summary>Internal producers' path (StreamEvents): every type, the user as given.</summary>
    public async Task<IngestEventsResponse> SendAsync(params AnalyticsEvent[] events)
    {
        using var call = Client.StreamEvents(cancellationToken: TestContext.Current.CancellationToken);
        foreach (var e in events) await call.RequestStream.WriteAsync(e, TestContext.Current.CancellationToken);
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    /// <summary>A business event as another service's outbox relay publishes it: to mesh.events, routing key = type, the outbox id as message id.</summary>
    public async Task PublishBusinessEventAsync(string type, object body, Guid? messageId = null)
    {
        var factory = new ConnectionFactory { Uri = new Uri(Messaging) };
        await using var connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), TestContext.Current.CancellationToken);
        var properties = new BasicProperties
        {
            MessageId = (messageId ?? Guid.CreateVersion7()).ToString(), Type = type, ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent,
        };
        await channel.BasicPublishAsync(MessagingNames.DefaultExchange, type, false, properties,
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body), TestContext.Current.CancellationToken);
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(Db);
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    public async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(Db);
        await connection.ExecuteAsync(sql, parameters);
    }

    /// <summary>How many events the consumer has counted so far.</summary>
    public Task<long> ProcessedAsync() => ScalarAsync<long>("SELECT count(*) FROM processed_events");

    /// <summary>
    /// Waits until the consumer has counted each of these events. A count of all events is no proof: an earlier test's
    /// events may still be in the stream ahead of a test's own and make up the number.
    /// </summary>
    public Task<long> CountedAsync(params Guid[] ids) => Eventually.UntilAsync(
        () => ScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = ANY(@ids)", new { ids }), n => n == ids.Length, $"these {ids.Length} events counted");

    /// <summary>Waits until the consumer has counted at least <paramref name="count"/> events.</summary>
    public Task<long> ProcessedAtLeastAsync(long count) => Eventually.UntilAsync(ProcessedAsync, n => n >= count, $"{count} events counted");

    public virtual async ValueTask InitializeAsync()
    {
        Tokens = new TestTokens { Clock = Clock };
        Db = await Data.PostgresConnectionStringAsync();
        Messaging = await BrokerAsync();
        await StartAnalyticsAsync();
        // The stream and its bindings exist before a test publishes business events (the consumer declares them too).
        var factory = new ConnectionFactory { Uri = new Uri(Messaging) };
        await using (var connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: TestContext.Current.CancellationToken))
            await EventStream.DeclareAsync(channel, new AnalyticsOptions(), TestContext.Current.CancellationToken);

        var endpoints = _analytics!.Services.GetRequiredService<ServiceEndpoints>();
        var gatewayBuilder = InProcessService.CreateBuilder(typeof(GatewayExtensions), new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:analytics:http:0"] = endpoints.HttpAddress.ToString(),
            ["Gateway:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Gateway:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        gatewayBuilder.AddGateway(services => services.Add(V1.Analytics.Descriptor, "analytics"));
        _gateway = gatewayBuilder.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(TestContext.Current.CancellationToken);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>Starts analytics (again), on the ports it had before so clients and the gateway reach it.</summary>
    public async Task StartAnalyticsAsync()
    {
        var builder = InProcessService.CreateBuilder(typeof(AnalyticsApi), new Dictionary<string, string?>(MoreSettings)
        {
            [ServiceEndpoints.GrpcPortKey] = _grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ServiceEndpoints.HttpPortKey] = _httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ConnectionStrings:analyticsdb"] = Db,
            ["ConnectionStrings:cache"] = await Data.RedisConnectionStringAsync(),
            ["ConnectionStrings:messaging"] = Messaging,
            ["Analytics:RedisKeyPrefix"] = Data.RedisKeyPrefix,
            ["Analytics:EventsPerMinute"] = EventsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.AddServiceDefaults();
        builder.AddAnalytics();
        _analytics = builder.Build();
        await _analytics.MigrateAnalyticsDatabaseAsync();
        _analytics.MapAnalytics();
        _analytics.MapDefaultEndpoints();
        await _analytics.StartAsync(TestContext.Current.CancellationToken);
        var endpoints = _analytics.Services.GetRequiredService<ServiceEndpoints>();
        (_grpcPort, _httpPort) = (endpoints.GrpcAddress.Port, endpoints.HttpAddress.Port);
        Channel?.Dispose();
        Channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
        Client = new V1.Analytics.AnalyticsClient(Channel);
    }

    /// <summary>Stops analytics (its consumer with it); the stream and the database stay.</summary>
    public async Task StopAnalyticsAsync()
    {
        if (_analytics is null) return;
        await _analytics.StopAsync(CancellationToken.None);
        await _analytics.DisposeAsync();
        _analytics = null;
    }

    public virtual async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (_gateway is not null) { await _gateway.StopAsync(CancellationToken.None); await _gateway.DisposeAsync(); }
        await StopAnalyticsAsync();
    }
}
